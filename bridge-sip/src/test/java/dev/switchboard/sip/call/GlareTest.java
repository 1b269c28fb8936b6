package dev.switchboard.sip.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.sip.SipBridge;
import dev.switchboard.sip.media.Sdps;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.sip.RtpEngineServer;
import dev.switchboard.testkit.sip.SippScenario;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Glare: Alice calls +15550123 while +15550123 calls Alice, both unanswered, in their DM. The Matrix spec keeps the
 * call with the lexicographically lesser {@code call_id} and aborts the other; the bridge's calls from phones have
 * ids starting {@code sip-}, so Alice's {@code a-...} call wins and her {@code z-...} call loses. Real SIPp (the trunk
 * answering Alice's call, and the phone calling her), rtpengine and the testkit homeserver.
 */
class GlareTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String GHOST = "@_sip_+15550123:test.local"; // the number the SIPp phone calls from
  private static final String ALICE = "@alice:test.local";

  @TempDir
  static Path rtpDir;
  @TempDir
  Path dir;

  @RegisterExtension
  static final Fixture<RtpEngineServer> rtpengine = Fixture.of(() -> RtpEngineServer.start(rtpDir));

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(GlareTest.class.getResource("/sipp/" + name).toURI());
  }

  /** Numbers are dialled at the trunk (SIPp on {@code trunkPort}); +15550100 rings Alice. */
  private static ObjectNode sipConfig(int trunkPort) {
    ObjectNode sip = JSON.objectNode().put("enabled", true).put("default_country_code", "1"); // the dial plan's home
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", trunkPort);
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + rtpengine.get().ngAddress().getPort());
    sip.putObject("call").put("candidate_wait_ms", 300);
    sip.putObject("inbound").put("lifetime_ms", 60_000).putObject("numbers").put("+1 555 0100", ALICE);
    return sip;
  }

  private final java.util.Map<SippScenario, ObjectNode> configs = new java.util.HashMap<>();

  private ObjectNode config(SippScenario trunk) {
    return configs.computeIfAbsent(trunk, t -> sipConfig(t.port()));
  }

  private SippScenario phoneCallsAlice(ObjectNode config, String scenario) throws URISyntaxException {
    return SippScenario.call(scenario(scenario), "127.0.0.1:" + config.path("listen").path("port").asInt(), dir,
        Duration.ofSeconds(40), List.of("-s", "+15550100"));
  }

  private static String dmWithGhost(TestHomeserver hs, TestUser alice) {
    String room = alice.createRoom();
    alice.invite(room, GHOST);
    await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(GHOST)));
    return room;
  }

  /** Alice calls the ghost: invite and end-of-candidates. */
  private static void aliceCalls(TestUser alice, String room, String callId) {
    ObjectNode invite = callEvent(callId).put("lifetime", 60_000);
    invite.putObject("offer").put("type", "offer").put("sdp", Sdps.browserOffer());
    alice.sendEvent(room, "m.call.invite", invite);
    ObjectNode eoc = callEvent(callId);
    eoc.putArray("candidates").addObject().put("candidate", "").put("sdpMid", "0").put("sdpMLineIndex", 0);
    alice.sendEvent(room, "m.call.candidates", eoc);
  }

  private static ObjectNode callEvent(String callId) {
    return JSON.objectNode().put("call_id", callId).put("party_id", "alice-device").put("version", "1");
  }

  private static JsonNode fromGhost(TestHomeserver hs, String room, String type, String callId, SippScenario... sipp) {
    try {
      return hs.awaitEvent(room, GHOST, e -> e.path("type").asText().equals(type)
          && (callId == null || e.path("content").path("call_id").asText().equals(callId)), WAIT);
    } catch (AssertionError e) {
      StringBuilder seen = new StringBuilder();
      for (SippScenario s : sipp) {
        seen.append(s.messages()).append('\n').append(s.diagnostics()).append('\n');
      }
      throw new AssertionError("no " + type + " for " + callId + " from the ghost; SIPp saw:\n" + seen, e);
    }
  }

  /** The ghost's m.call.invite requests (the phone's calls announced to Alice). */
  private static long ghostInvites(TestHomeserver hs) {
    return hs.requests("PUT", "/send/m\\.call\\.invite/").stream().filter(r -> GHOST.equals(r.userId())).count();
  }

  @Test
  void aPhoneCallCrossingAMatrixCallWithALesserIdGetsBusyAndTheMatrixCallRingsOn() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario trunk = SippScenario.serve(scenario("uas-ring-cancel.xml"), dir, Duration.ofSeconds(40));
        SipBridge bridge = SipBridge.start(hs, config(trunk), dir)) {
      ObjectNode config = configs.get(trunk);
      TestUser alice = hs.user("alice");
      String room = dmWithGhost(hs, alice);
      aliceCalls(alice, room, "a-glare");
      await().atMost(WAIT).until(() -> trunk.messages().contains("SIP/2.0 180 Ringing"));

      try (SippScenario phone = phoneCallsAlice(config, "uac-call-glare-lost.xml")) {
        assertThat(phone.awaitExit(WAIT)).as(() -> phone.messages() + phone.diagnostics()).isZero();
        assertThat(phone.messages()).contains("SIP/2.0 486 ");
      }
      assertThat(ghostInvites(hs)).as("the losing phone call never rang Alice").isZero();

      // Alice's call is still ringing the phone: her hangup cancels it.
      alice.sendEvent(room, "m.call.hangup", callEvent("a-glare").put("reason", "user_hangup"));
      assertThat(trunk.awaitExit(WAIT)).as(() -> trunk.messages() + trunk.diagnostics()).isZero();
      hs.assertNoSchemaViolations();
    }
  }

  @Test
  void aPhoneCallCrossingAMatrixCallWithAGreaterIdWinsAndTheMatrixCallIsCancelled() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario trunk = SippScenario.serve(scenario("uas-ring-cancel.xml"), dir, Duration.ofSeconds(40));
        SipBridge bridge = SipBridge.start(hs, config(trunk), dir)) {
      ObjectNode config = configs.get(trunk);
      TestUser alice = hs.user("alice");
      String room = dmWithGhost(hs, alice);
      aliceCalls(alice, room, "z-glare");
      await().atMost(WAIT).until(() -> trunk.messages().contains("SIP/2.0 180 Ringing"));

      try (SippScenario phone = phoneCallsAlice(config, "uac-call-phone-hangs-up.xml")) {
        JsonNode hangup = fromGhost(hs, room, "m.call.hangup", "z-glare", phone, trunk);
        assertThat(hangup.path("content").path("reason").asText()).isEqualTo("user_busy");
        // Alice's call is cancelled at the phone...
        assertThat(trunk.awaitExit(WAIT)).as(() -> trunk.messages() + trunk.diagnostics()).isZero();
        // ...and the phone's call rings her in the same room; she answers it (a spec client does so by itself).
        JsonNode invite = fromGhost(hs, room, "m.call.invite", null, phone, trunk);
        assertThat(invite.path("content").path("call_id").asText()).startsWith("sip-");
        alice.join(room);
        PhoneToMatrixCallTest.answer(alice, room, invite);
        assertThat(phone.awaitExit(WAIT)).as(() -> phone.messages() + phone.diagnostics()).isZero();
        assertThat(ghostInvites(hs)).isEqualTo(1);
      }
      hs.assertNoSchemaViolations();
    }
  }

  @Test
  void aMatrixCallCrossingAPhoneCallWithALesserIdWinsAndThePhoneCallGetsBusy() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario trunk = SippScenario.serve(scenario("uas-ring-cancel.xml"), dir, Duration.ofSeconds(40));
        SipBridge bridge = SipBridge.start(hs, config(trunk), dir)) {
      ObjectNode config = configs.get(trunk);
      TestUser alice = hs.user("alice");
      String room = dmWithGhost(hs, alice);
      try (SippScenario phone = phoneCallsAlice(config, "uac-call-glare-lost.xml")) {
        JsonNode invite = fromGhost(hs, room, "m.call.invite", null, phone);
        String phoneCall = invite.path("content").path("call_id").asText();
        await().atMost(WAIT).until(() -> phone.messages().contains("SIP/2.0 180 Ringing"));

        aliceCalls(alice, room, "a-glare");

        assertThat(phone.awaitExit(WAIT)).as(() -> phone.messages() + phone.diagnostics()).isZero();
        assertThat(phone.messages()).contains("SIP/2.0 486 ");
        fromGhost(hs, room, "m.call.hangup", phoneCall, phone, trunk);
      }
      // Alice's call goes on to the phone; her hangup cancels it.
      await().atMost(WAIT).until(() -> trunk.messages().contains("SIP/2.0 180 Ringing"));
      alice.sendEvent(room, "m.call.hangup", callEvent("a-glare").put("reason", "user_hangup"));
      assertThat(trunk.awaitExit(WAIT)).as(() -> trunk.messages() + trunk.diagnostics()).isZero();
      hs.assertNoSchemaViolations();
    }
  }

  @Test
  void aMatrixCallCrossingAPhoneCallWithAGreaterIdIsHungUpAndThePhoneCallGoesOn() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario trunk = SippScenario.serve(scenario("uas-ring-cancel.xml"), dir, Duration.ofSeconds(40));
        SipBridge bridge = SipBridge.start(hs, config(trunk), dir)) {
      ObjectNode config = configs.get(trunk);
      TestUser alice = hs.user("alice");
      String room = dmWithGhost(hs, alice);
      try (SippScenario phone = phoneCallsAlice(config, "uac-call-phone-hangs-up.xml")) {
        JsonNode invite = fromGhost(hs, room, "m.call.invite", null, phone);
        await().atMost(WAIT).until(() -> phone.messages().contains("SIP/2.0 180 Ringing"));

        aliceCalls(alice, room, "z-glare");

        JsonNode hangup = fromGhost(hs, room, "m.call.hangup", "z-glare", phone);
        assertThat(hangup.path("content").path("reason").asText()).isEqualTo("user_busy");
        alice.join(room);
        PhoneToMatrixCallTest.answer(alice, room, invite);
        assertThat(phone.awaitExit(WAIT)).as(() -> phone.messages() + phone.diagnostics()).isZero();
      }
      assertThat(trunk.messages()).as("Alice's losing call is never dialled").doesNotContain("INVITE sip:");
      hs.assertNoSchemaViolations();
    }
  }
}
