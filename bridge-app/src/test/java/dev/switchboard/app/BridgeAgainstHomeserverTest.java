package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.homeserver.AppServicePing;
import dev.switchboard.registration.Registration;
import dev.switchboard.testkit.LogCapture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.AsTransaction;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole bridge, as `run` starts it, against the testkit homeserver in modern and legacy mode. */
class BridgeAgainstHomeserverTest {
  @TempDir
  Path dir;

  private BridgeConfig config(TestHomeserver hs, int port) throws Exception {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, """
        homeserver:
          url: %s
          domain: %s
        appservice:
          port: %d
          url: http://127.0.0.1:%d
          bot_localpart: switchboard
        database:
          url: jdbc:sqlite:bridge.db
        irc:
          enabled: true
        """.formatted(hs.baseUrl(), hs.serverName(), port, port));
    return new ConfigLoader(Map.of()).load(file);
  }

  private static int freePortBelowEphemeralRange() throws Exception {
    for (int i = 0; i < 50; i++) {
      int p = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
      try (ServerSocket s = new ServerSocket(p)) {
        return p;
      } catch (java.io.IOException busy) {
        // try another
      }
    }
    throw new IllegalStateException("no free port");
  }

  private Bridge startBridge(TestHomeserver hs) throws Exception {
    BridgeConfig cfg = config(hs, freePortBelowEphemeralRange());
    Registration reg = RegistrationWriter.write(cfg, cfg.appservice().registration());
    hs.registerAppService(AppServiceRegistration.fromYaml(cfg.appservice().registration()));
    return Bridge.start(cfg, reg, new ConnectorFactory());
  }

  @Test
  void aHomeserverWithoutThePingEndpointGetsOneInfoLineAndTheBridgeServes() throws Exception {
    try (LogCapture log = new LogCapture(AppServicePing.class);
        TestHomeserver hs = TestHomeserver.start(Options.defaults().legacy(true)
            .backoff(Duration.ofMillis(20), Duration.ofMillis(200)));
        Bridge bridge = startBridge(hs)) {
      TestUser alice = hs.user("alice");
      String room = alice.createRoom();
      alice.invite(room, "@switchboard:" + hs.serverName());
      alice.send(room, "hello bridge");

      await().atMost(Duration.ofSeconds(10)).until(() -> log.lines(Level.INFO).size() == 1
          && hs.asTransactions().stream().anyMatch(AsTransaction::accepted));
      Thread.sleep(1500); // a retry loop would have pinged again by now
      assertThat(hs.requests("POST", ".*/appservice/.*/ping")).hasSize(1);
      assertThat(log.lines(Level.INFO).get(0)).contains("predates");
      assertThat(log.lines(Level.WARN)).isEmpty();
      assertThat(hs.asTransactions()).allMatch(AsTransaction::accepted);
    }
  }

  @Test
  void aModernHomeserverPingsTheBridgeThroughTheRealAsApi() throws Exception {
    try (LogCapture log = new LogCapture(AppServicePing.class);
        TestHomeserver hs = TestHomeserver.start();
        Bridge bridge = startBridge(hs)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !log.lines(Level.INFO).isEmpty());
      assertThat(log.lines(Level.WARN)).isEmpty();
      assertThat(hs.requests("POST", ".*/appservice/.*/ping")).hasSize(1);
    }
  }
}
