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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bridge registers at its trunk (a SIPp registrar): digest challenge, refresh before expiry, unregister. */
class TrunkRegistrationTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir
  Path dir;

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(TrunkRegistrationTest.class.getResource("/sipp/" + name).toURI());
  }

  private static ObjectNode sipConfig(int registrarPort) {
    ObjectNode sip = JSON.objectNode().put("enabled", true);
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", registrarPort).put("username", "bridge")
        .put("password", "s3cret").put("register", true);
    // No rtpengine: registration needs none (the bridge only warns that it does not answer).
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + FreePorts.udp());
    return sip;
  }

  @Test
  void theBridgeRegistersWithDigestRefreshesBeforeExpiryAndUnregistersWhenItStops() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario registrar = SippScenario.serve(scenario("registrar-challenge.xml"), dir,
            Duration.ofSeconds(60))) {
      SipBridge bridge = SipBridge.start(hs, sipConfig(registrar.port()), dir);
      try {
        AdminRoom admin = AdminRoom.open(hs, hs.user("admin"), WAIT);
        // The registrar granted 10 s; the refresh it then grants is an hour long.
        try {
          await().atMost(WAIT).until(() -> registrar.messages().contains("f6e5d4c3b2")
              && admin.ask("!sip status").contains("expires in 3"));
        } catch (AssertionError e) {
          throw new AssertionError("the registrar saw:\n" + registrar.messages() + registrar.diagnostics(), e);
        }
        assertThat(admin.ask("!sip status")).startsWith("Registered at 127.0.0.1:" + registrar.port()
            + " as bridge, expires in ");
      } finally {
        bridge.close();
      }
      assertThat(registrar.awaitExit(WAIT)).as(registrar::diagnostics).isZero();
      String seen = registrar.messages();
      assertThat(seen).contains("REGISTER sip:127.0.0.1:" + registrar.port(), "username=\"bridge\"",
          "nonce=\"a1b2c3d4e5\"", "nonce=\"f6e5d4c3b2\"", "nonce=\"0a9b8c7d6e\"")
          .doesNotContain("s3cret");
    }
  }

  @Test
  void adminsUnregisterAndRegisterAgainWithCommands() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario registrar = SippScenario.serve(scenario("registrar-commands.xml"), dir,
            Duration.ofSeconds(60))) {
      ObjectNode config = sipConfig(registrar.port());
      ObjectNode trunk = (ObjectNode) config.path("trunk");
      trunk.remove("username");
      trunk.remove("password");
      trunk.put("from_user", "line1");
      SipBridge bridge = SipBridge.start(hs, config, dir);
      try {
        AdminRoom admin = AdminRoom.open(hs, hs.user("admin"), WAIT);
        AdminRoom user = AdminRoom.open(hs, hs.user("alice"), WAIT);
        await().atMost(WAIT).until(() -> admin.ask("!sip status").startsWith("Registered"));

        assertThat(user.ask("!sip unregister")).contains("needs level admin");
        assertThat(admin.ask("!sip unregister")).isEqualTo("Unregistered from 127.0.0.1:" + registrar.port() + ".");
        assertThat(admin.ask("!sip status")).isEqualTo("Not registered at 127.0.0.1:" + registrar.port() + ".");
        assertThat(admin.ask("!sip register")).isEqualTo("Registered at 127.0.0.1:" + registrar.port()
            + " as line1 for 3600 s.");
      } finally {
        bridge.close();
      }
      assertThat(registrar.awaitExit(WAIT)).as(registrar::diagnostics).isZero();
      assertThat(registrar.messages()).contains("Contact: <sip:line1@127.0.0.1:");
    }
  }

  @Test
  void aRefusedRegistrationIsReportedAndRetried() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario registrar = SippScenario.serve(scenario("registrar-forbidden.xml"), dir,
            Duration.ofSeconds(60))) {
      ObjectNode config = sipConfig(registrar.port());
      ((ObjectNode) config.path("trunk")).put("register_retry_seconds", 2);
      try (SipBridge bridge = SipBridge.start(hs, config, dir)) {
        AdminRoom admin = AdminRoom.open(hs, hs.user("admin"), WAIT);
        // The registrar refuses the first attempt and accepts the retry.
        assertThat(registrar.awaitExit(WAIT)).as(registrar::diagnostics).isZero();
        await().atMost(WAIT).until(() -> admin.ask("!sip status").startsWith("Registered"));
      }
    }
  }
}
