package dev.switchboard.sip.deskphone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.sip.AdminRoom;
import dev.switchboard.sip.SipBridge;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.RecordedRequest;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.sip.RtpEngineServer;
import dev.switchboard.testkit.sip.SippScenario;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The bridge as registrar: a desk phone registers with credentials an admin set, and rings for the user's calls. */
class DeskPhoneTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String ALICE = "@alice:test.local";
  private static final String GHOST = "@_sip_+15550123:test.local";

  @TempDir
  static Path rtpDir;
  @TempDir
  Path dir;

  @RegisterExtension
  static final Fixture<RtpEngineServer> rtpengine = Fixture.of(() -> RtpEngineServer.start(rtpDir));

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(DeskPhoneTest.class.getResource("/sipp/" + name).toURI());
  }

  private static ObjectNode sipConfig() {
    ObjectNode sip = JSON.objectNode().put("enabled", true);
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + rtpengine.get().ngAddress().getPort());
    sip.putObject("registrar").put("enabled", true).put("realm", "switchboard.test");
    sip.putObject("inbound").putObject("numbers").put("+1 555 0100", ALICE);
    return sip;
  }

  @Test
  void aRegisteredDeskPhoneRingsForTheUsersCallAndTakesIt() throws Exception {
    ObjectNode config = sipConfig();
    String bridgeAt = "127.0.0.1:" + config.path("listen").path("port").asInt();
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir);
        SippScenario desk = SippScenario.serve(scenario("uas-deskphone-answer.xml"), dir, Duration.ofSeconds(60))) {
      hs.user("alice");
      AdminRoom admin = AdminRoom.open(hs, hs.user("admin"), WAIT);
      assertThat(admin.ask("!sip phone " + ALICE + " desk1 pa55word")).startsWith("Desk phone credentials of "
          + ALICE + " set");

      try (SippScenario registering = SippScenario.call(scenario("uac-deskphone-register.xml"), bridgeAt, dir,
          Duration.ofSeconds(30), List.of("-key", "deskport", Integer.toString(desk.port())))) {
        assertThat(registering.awaitExit(WAIT)).as(registering::diagnostics).isZero();
        assertThat(registering.messages()).contains("SIP/2.0 401 Unauthorized", "realm=\"switchboard.test\"");
      }
      assertThat(admin.ask("!sip phone-status " + ALICE)).startsWith(ALICE + "'s desk phone (desk1) is registered at"
          + " sip:desk1@127.0.0.1:" + desk.port() + ";transport=").contains(" for 3");

      try (SippScenario caller = SippScenario.call(scenario("uac-call-deskphone.xml"), bridgeAt, dir,
          Duration.ofSeconds(60), List.of("-s", "+15550100"))) {
        // Matrix rings too, and is told when the desk phone took the call.
        await().atMost(WAIT).until(() -> !hs.requests("PUT", ".*/send/m\\.call\\.invite/.*").isEmpty());
        RecordedRequest put = hs.requests("PUT", ".*/send/m\\.call\\.invite/.*").get(0);
        Matcher m = Pattern.compile("/rooms/([^/]+)/send/").matcher(put.decodedPath());
        assertThat(m.find()).isTrue();
        String room = m.group(1);
        JsonNode selected = hs.awaitEvent(room, GHOST, e -> e.path("type").asText().equals("m.call.select_answer"),
            WAIT);
        assertThat(selected.path("content").path("selected_party_id").asText()).isEqualTo("desk-phone");

        assertThat(caller.awaitExit(WAIT)).as(caller::diagnostics).isZero();
        assertThat(desk.awaitExit(WAIT)).as(desk::diagnostics).isZero();
        // The desk phone got plain RTP from the caller's number, and the caller's BYE was passed on.
        String ringing = desk.messages();
        assertThat(ringing).contains("INVITE sip:desk1@127.0.0.1:" + desk.port(), "From: <sip:+15550123@",
            " RTP/AVP ", "BYE sip:");
        hs.awaitEvent(room, GHOST, e -> e.path("type").asText().equals("m.call.hangup"), WAIT);
      }
    }
  }

  @Test
  void aWrongPasswordIsRefused() throws Exception {
    ObjectNode config = sipConfig();
    String bridgeAt = "127.0.0.1:" + config.path("listen").path("port").asInt();
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      hs.user("alice");
      AdminRoom admin = AdminRoom.open(hs, hs.user("admin"), WAIT);
      admin.ask("!sip phone " + ALICE + " desk1 other-password");
      try (SippScenario registering = SippScenario.call(scenario("uac-deskphone-register.xml"), bridgeAt, dir,
          Duration.ofSeconds(30), List.of("-key", "deskport", Integer.toString(FreePorts.udp())))) {
        assertThat(registering.awaitExit(WAIT)).isNotZero();
        assertThat(registering.messages()).contains("SIP/2.0 403 Forbidden");
      }
      assertThat(admin.ask("!sip phone-status " + ALICE)).isEqualTo(ALICE + "'s desk phone (desk1) is not registered.");
    }
  }

  @Test
  void registeredPhonesGetKeepalivesAndOneThatStopsAnsweringIsUnregistered() throws Exception {
    ObjectNode config = sipConfig();
    ((ObjectNode) config.path("registrar")).put("keepalive_seconds", 1);
    String bridgeAt = "127.0.0.1:" + config.path("listen").path("port").asInt();
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir);
        SippScenario desk = SippScenario.serve(scenario("uas-deskphone-keepalive.xml"), dir,
            Duration.ofSeconds(60))) {
      hs.user("alice");
      AdminRoom admin = AdminRoom.open(hs, hs.user("admin"), WAIT);
      admin.ask("!sip phone " + ALICE + " desk1 pa55word");
      try (SippScenario registering = SippScenario.call(scenario("uac-deskphone-register.xml"), bridgeAt, dir,
          Duration.ofSeconds(30), List.of("-key", "deskport", Integer.toString(desk.port())))) {
        assertThat(registering.awaitExit(WAIT)).as(registering::diagnostics).isZero();
      }

      assertThat(desk.awaitExit(WAIT)).as(desk::diagnostics).isZero();
      assertThat(desk.messages()).contains("OPTIONS sip:desk1@127.0.0.1:" + desk.port());
      // The phone is gone now: the next keepalive goes unanswered (the transaction times out after 32 s).
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2))
          .until(() -> admin.ask("!sip phone-status " + ALICE)
          .equals(ALICE + "'s desk phone (desk1) is not registered."));
    }
  }

  @Test
  void aDeskPhoneIsOnlyForUsersTheBridgeServesAsUsers() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"))) {
      hs.user("admin");
      ObjectNode permissions = JSON.objectNode().put("@admin:test.local", "admin").put("@rory:test.local", "relay")
          .put("test.local", "user");
      try (SipBridge bridge = SipBridge.start(hs, sipConfig(), dir, permissions, 0, true)) {
        AdminRoom admin = AdminRoom.open(hs, hs.user("admin"), WAIT);

        assertThat(admin.ask("!sip phone @rory:test.local desk2 pa55word")).isEqualTo("@rory:test.local has "
            + "permission level relay: desk phones are for users of level user or admin.");
        assertThat(admin.ask("!sip phone @fred:elsewhere.org desk3 pa55word")).isEqualTo("@fred:elsewhere.org is on "
            + "another homeserver: desk phones are for users of test.local.");
        assertThat(admin.ask("!sip phone-status @rory:test.local")).doesNotContain("desk2");
        assertThat(admin.ask("!sip phone " + ALICE + " desk1 pa55word")).startsWith("Desk phone credentials of");
      }
    }
  }
}
