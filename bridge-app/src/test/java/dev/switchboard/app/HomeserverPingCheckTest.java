package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.app.check.HomeserverChecks;
import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.registration.Registration;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code switchboard check}'s appservice ping against homeservers with and without the ping endpoint. */
class HomeserverPingCheckTest {
  @TempDir
  Path dir;

  private CheckResult ping(TestHomeserver hs) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, """
        homeserver: { url: "%s", domain: %s }
        appservice: { port: %d, url: "http://127.0.0.1:%d" }
        database: { url: "jdbc:sqlite:bridge.db" }
        """.formatted(hs.baseUrl(), hs.serverName(), port, port));
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(file);
    Registration registration = RegistrationWriter.write(cfg, cfg.appservice().registration());
    hs.registerAppService(AppServiceRegistration.fromYaml(cfg.appservice().registration()));
    return new HomeserverChecks(cfg, registration).ping(Duration.ofSeconds(20));
  }

  @Test
  void aHomeserverAnsweringThePing400UnrecognizedIsNotCheckedRatherThanFailed() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().withoutPingEndpoint())) {
      CheckResult result = ping(hs);

      assertThat(hs.requests("POST", ".*/appservice/.*/ping")).singleElement()
          .satisfies(request -> assertThat(request.status()).isEqualTo(400));
      assertThat(result.ok()).isTrue();
      assertThat(result.detail()).contains("predates the ping endpoint", "not checked");
    }
  }

  @Test
  void aHomeserverWithThePingReachesTheStandIn() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start()) {
      CheckResult result = ping(hs);

      assertThat(result.ok()).isTrue();
      assertThat(result.detail()).contains("right hs_token");
    }
  }
}
