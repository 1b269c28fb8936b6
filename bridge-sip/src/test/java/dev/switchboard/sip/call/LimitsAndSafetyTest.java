package dev.switchboard.sip.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.sip.AdminRoom;
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

/** Limits from config (calls per user, call duration) and what Matrix input can never do to SIP. */
class LimitsAndSafetyTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String ALICE = "@alice:test.local";

  @TempDir
  static Path rtpDir;
  @TempDir
  Path dir;

  @RegisterExtension
  static final Fixture<RtpEngineServer> rtpengine = Fixture.of(() -> RtpEngineServer.start(rtpDir));

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(LimitsAndSafetyTest.class.getResource("/sipp/" + name).toURI());
  }

  private static ObjectNode sipConfig(int trunkPort) {
    ObjectNode sip = JSON.objectNode().put("enabled", true).put("default_country_code", "1"); // the dial plan's home
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", trunkPort);
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + rtpengine.get().ngAddress().getPort());
    sip.putObject("call").put("candidate_wait_ms", 300);
    sip.putObject("inbound").putObject("numbers").put("+1 555 0100", ALICE);
    return sip;
  }

  private static String dmWith(TestHomeserver hs, TestUser alice, String ghost) {
    String room = alice.createRoom();
    alice.invite(room, ghost);
    await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(ghost)));
    return room;
  }

  private static void call(TestUser alice, String room, String callId) {
    ObjectNode invite = JSON.objectNode().put("call_id", callId).put("party_id", "alice-device")
        .put("version", "1").put("lifetime", 60_000);
    invite.putObject("offer").put("type", "offer").put("sdp", Sdps.browserOffer());
    alice.sendEvent(room, "m.call.invite", invite);
    ObjectNode end = JSON.objectNode().put("call_id", callId).put("party_id", "alice-device").put("version", "1");
    end.putArray("candidates").addObject().put("candidate", "").put("sdpMid", "0").put("sdpMLineIndex", 0);
    alice.sendEvent(room, "m.call.candidates", end);
  }

  private static JsonNode awaitFromGhost(TestHomeserver hs, String room, String ghost, String type, String callId) {
    return hs.awaitEvent(room, ghost, e -> e.path("type").asText().equals(type)
        && e.path("content").path("call_id").asText().equals(callId), WAIT);
  }

  @Test
  void aUserAtTheCallLimitIsBusyBothWays() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-answer.xml"), dir, Duration.ofSeconds(60))) {
      ObjectNode config = sipConfig(phone.port());
      ((ObjectNode) config.path("call")).put("max_concurrent_per_user", 1);
      try (SipBridge bridge = SipBridge.start(hs, config, dir)) {
        TestUser alice = hs.user("alice");
        String ghost = "@_sip_+15550001:test.local";
        String room = dmWith(hs, alice, ghost);
        call(alice, room, "call-1");
        awaitFromGhost(hs, room, ghost, "m.call.answer", "call-1");

        // A second call from Matrix: refused as busy, without reaching SIP.
        call(alice, room, "call-2");
        JsonNode busy = awaitFromGhost(hs, room, ghost, "m.call.hangup", "call-2");
        assertThat(busy.path("content").path("reason").asText()).isEqualTo("user_busy");
        // A phone calling her: 486.
        try (SippScenario caller = SippScenario.call(scenario("uac-call-user-busy.xml"),
            "127.0.0.1:" + config.path("listen").path("port").asInt(), dir, Duration.ofSeconds(30),
            List.of("-s", "+15550100"))) {
          assertThat(caller.awaitExit(WAIT)).as(caller::diagnostics).isZero();
        }

        alice.sendEvent(room, "m.call.hangup", JSON.objectNode().put("call_id", "call-1")
            .put("party_id", "alice-device").put("version", "1").put("reason", "user_hangup"));
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        assertThat(phone.messages().split("INVITE sip:", -1)).hasSize(2); // one INVITE only
      }
    }
  }

  @Test
  void anAnsweredCallIsHungUpAtTheDurationLimit() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-answer.xml"), dir, Duration.ofSeconds(60))) {
      ObjectNode config = sipConfig(phone.port());
      ((ObjectNode) config.path("call")).put("max_duration_seconds", 2);
      try (SipBridge bridge = SipBridge.start(hs, config, dir)) {
        TestUser alice = hs.user("alice");
        String ghost = "@_sip_+15550002:test.local";
        String room = dmWith(hs, alice, ghost);
        call(alice, room, "call-long");
        awaitFromGhost(hs, room, ghost, "m.call.answer", "call-long");

        // Nobody hangs up: the bridge does, on both sides.
        JsonNode hangup = awaitFromGhost(hs, room, ghost, "m.call.hangup", "call-long");
        assertThat(hangup.path("content").path("reason").asText()).isEqualTo("user_hangup");
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        assertThat(phone.messages()).contains("BYE sip:phone@127.0.0.1:" + phone.port());
      }
    }
  }

  @Test
  void headerInjectionThroughGhostIdsOrCommandsGoesNowhere() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario trunk = SippScenario.serve(scenario("uas-answer.xml"), dir, Duration.ofSeconds(60));
        SipBridge bridge = SipBridge.start(hs, sipConfig(trunk.port()), dir)) {
      TestUser alice = hs.user("alice");
      String room = alice.createRoom();
      // A ghost id whose escaped address would hold CR LF and a header: it stands for nothing, and is not joined.
      String crafted = "@_sip_bob=0d=0avia=3a=20sip=2f2.0=2fudp=20evil=40pbx.example.org:test.local";
      String honest = "@_sip_+15550003:test.local";
      try {
        alice.invite(room, crafted);
      } catch (RuntimeException refused) {
        // the homeserver asked the bridge whether that user exists, and it said no: fine too
      }
      alice.invite(room, honest);
      await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(honest)));
      assertThat(hs.members(room).get(crafted)).isNotEqualTo("join");

      AdminRoom admin = AdminRoom.open(hs, alice, WAIT);
      assertThat(admin.ask("!sip call bob\r\nVia: SIP/2.0/UDP evil@pbx.example.org"))
          .contains("is neither a phone number");
      // Line breaks split words; what is left is checked as a whole: here only digits.
      assertThat(admin.ask("!sip call +1555000\r\n4")).contains("Your DM with +15550004 ");
      assertThat(trunk.messages()).isEmpty();
    }
  }
}
