package dev.switchboard.sip.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.sip.AdminRoom;
import dev.switchboard.sip.SipBridge;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.sip.SippScenario;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OPTIONS keepalive toward the trunk ({@code trunk.keepalive_seconds}) and the reachability {@code !sip status} shows. */
class TrunkKeepaliveTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir
  Path dir;

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(TrunkKeepaliveTest.class.getResource("/sipp/" + name).toURI());
  }

  private static ObjectNode sipConfig(int trunkPort, String transport) {
    ObjectNode sip = JSON.objectNode().put("enabled", true);
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", trunkPort).put("transport", transport)
        .put("keepalive_seconds", 1);
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + FreePorts.udp()); // no media here
    return sip;
  }

  @Test
  void theTrunkGetsOptionsRepeatedlyAndStatusShowsWhetherItAnswers() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario trunk = SippScenario.serve(scenario("uas-trunk-options.xml"), dir, Duration.ofSeconds(60), 2,
            List.of());
        SipBridge bridge = SipBridge.start(hs, sipConfig(trunk.port(), "udp"), dir)) {
      AdminRoom admin = AdminRoom.open(hs, hs.user("admin"), WAIT);
      // Two OPTIONS answered: the keepalive repeats.
      assertThat(trunk.awaitExit(WAIT)).as(() -> trunk.messages() + trunk.diagnostics()).isZero();
      assertThat(trunk.messages()).contains("OPTIONS sip:127.0.0.1:" + trunk.port() + " SIP/2.0");
      String where = "Trunk 127.0.0.1:" + trunk.port();
      await().atMost(WAIT).until(() -> admin.ask("!sip status").contains(where + " is reachable (answered OPTIONS"
          + " with 200 OK)"));
      // The status names the registration too (there is none here).
      assertThat(admin.ask("!sip status")).startsWith(where).doesNotContain("unreachable");

      // SIPp is gone: the next OPTIONS times out (32 s on UDP) and the trunk shows as unreachable.
      await().atMost(Duration.ofSeconds(90)).until(() -> admin.ask("!sip status")
          .contains(where + " is unreachable (no answer to OPTIONS)"));
    }
  }

  @Test
  void aTrunkThatRefusesTheConnectionIsUnreachable() throws Exception {
    int closed = FreePorts.udpAndTcp();
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, sipConfig(closed, "tcp"), dir)) {
      AdminRoom admin = AdminRoom.open(hs, hs.user("admin"), WAIT);
      await().atMost(Duration.ofSeconds(90)).until(() -> admin.ask("!sip status")
          .startsWith("Trunk 127.0.0.1:" + closed + " is unreachable ("));
    }
  }

  @Test
  void withoutTheKeyNoKeepaliveIsSent() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario trunk = SippScenario.serve(scenario("uas-trunk-options.xml"), dir, Duration.ofSeconds(30), 1,
            List.of())) {
      ObjectNode config = sipConfig(trunk.port(), "udp");
      ((ObjectNode) config.path("trunk")).remove("keepalive_seconds");
      try (SipBridge bridge = SipBridge.start(hs, config, dir)) {
        AdminRoom admin = AdminRoom.open(hs, hs.user("admin"), WAIT);
        assertThat(admin.ask("!sip status")).isEqualTo(
            "The bridge does not register at a trunk (set sip.trunk.register: true).");
        assertThat(trunk.messages()).doesNotContain("OPTIONS");
      }
    }
  }
}
