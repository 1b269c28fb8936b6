package dev.switchboard.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir
  Path dir;

  private Path write(String yaml) throws Exception {
    Path f = dir.resolve("config.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  private static final String MINIMAL = """
      homeserver:
        url: http://localhost:8008
        domain: example.org
      appservice:
        port: 29320
      """;

  @Test
  void theSampleConfigIsValidAndHasSensibleDefaults() throws Exception {
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(write(ConfigLoader.sampleConfig()));
    assertThat(cfg.homeserver().domain()).isEqualTo("example.org");
    assertThat(cfg.database().url()).isEqualTo("jdbc:sqlite:" + dir.resolve("switchboard.db"));
    assertThat(cfg.appservice().registration()).isEqualTo(dir.resolve("registration.yaml"));
    assertThat(cfg.connectorEnabled("irc")).isFalse();
  }

  @Test
  void operatorSectionsDefaultToMetricsOffAndTheOwnDomainAsUsers() throws Exception {
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(write(MINIMAL));
    assertThat(cfg.metrics()).isEqualTo(new BridgeConfig.Metrics(false, "127.0.0.1", 29321));
    assertThat(cfg.permissions().levelOf(dev.switchboard.core.id.UserId.of("@a:example.org")))
        .isEqualTo(dev.switchboard.core.permission.Level.USER);
    assertThat(cfg.permissions().anyAdmin()).isFalse();

    BridgeConfig on = new ConfigLoader(Map.of("SWITCHBOARD_METRICS_ENABLED", "true")).load(write(MINIMAL
        + "metrics:\n  port: 9100\npermissions:\n  \"@root:example.org\": admin\n"));
    assertThat(on.metrics()).isEqualTo(new BridgeConfig.Metrics(true, "127.0.0.1", 9100));
    assertThat(on.permissions().anyAdmin()).isTrue();
  }

  @Test
  void badOperatorSectionsNameTheKey() {
    ConfigLoader loader = new ConfigLoader(Map.of());
    assertThatThrownBy(() -> loader.load(write(MINIMAL + "metrics:\n  enabled: maybe\n")))
        .hasMessageContaining("metrics.enabled must be true or false");
    assertThatThrownBy(() -> loader.load(write(MINIMAL + "metrics:\n  enabled: true\n  port: 29320\n")))
        .hasMessageContaining("metrics.port 29320 is also appservice.port");
    assertThatThrownBy(() -> loader.load(write(MINIMAL + "metrics:\n  prot: 1\n")))
        .hasMessageContaining("unknown key 'metrics.prot'");
    assertThatThrownBy(() -> loader.load(write(MINIMAL + "permissions:\n  \"*\": root\n")))
        .hasMessageContaining("permissions.\"*\" must be one of none, relay, user, admin");
  }

  @Test
  void eachListenerHasItsOwnLimitsWithDefaults() throws Exception {
    ConfigLoader loader = new ConfigLoader(Map.of());
    BridgeConfig defaults = loader.load(write(MINIMAL));
    BridgeConfig set = loader.load(write(MINIMAL + "  max_connections: 7\n  idle_timeout_seconds: 5\n"
        + "metrics:\n  request_timeout_seconds: 9\nprovisioning:\n  max_connections: 3\n  failed_auth_limit: 0\n"));

    assertThat(defaults.appservice().limits()).isEqualTo(dev.switchboard.core.http.ListenerLimits.APPSERVICE);
    assertThat(defaults.metrics().limits()).isEqualTo(dev.switchboard.core.http.ListenerLimits.METRICS);
    assertThat(defaults.provisioning().failedAuthLimit()).isEqualTo(5);
    assertThat(set.appservice().limits()).isEqualTo(new dev.switchboard.core.http.ListenerLimits(7,
        java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30)));
    assertThat(set.metrics().limits().requestTimeout()).isEqualTo(java.time.Duration.ofSeconds(9));
    assertThat(set.provisioning().limits().maxConnections()).isEqualTo(3);
    assertThat(set.provisioning().failedAuthLimit()).isZero();
    assertThatThrownBy(() -> loader.load(write(MINIMAL + "  max_connections: 0\n")))
        .hasMessageContaining("appservice.max_connections must be between 1 and 1000000");
    assertThatThrownBy(() -> loader.load(write(MINIMAL + "metrics:\n  idle_timeout_seconds: soon\n")))
        .hasMessageContaining("metrics.idle_timeout_seconds must be a whole number");
  }

  @Test
  void aMinimalConfigFillsInDefaults() throws Exception {
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(write(MINIMAL));
    assertThat(cfg.appservice().id()).isEqualTo("switchboard");
    assertThat(cfg.appservice().botLocalpart()).isEqualTo("switchboard");
    assertThat(cfg.appservice().url().toString()).isEqualTo("http://127.0.0.1:29320");
  }

  @Test
  void errorsNameTheKeyAndWhatIsExpected() throws Exception {
    ConfigLoader loader = new ConfigLoader(Map.of());
    assertThatThrownBy(() -> loader.load(write("homeserver:\n  url: http://x\n")))
        .hasMessageContaining("homeserver.domain is required");
    assertThatThrownBy(() -> loader.load(write(MINIMAL.replace("29320", "70000"))))
        .hasMessageContaining("appservice.port must be between 1 and 65535");
    assertThatThrownBy(() -> loader.load(write(MINIMAL.replace("29320", "lots"))))
        .hasMessageContaining("appservice.port must be a whole number");
    assertThatThrownBy(() -> loader.load(write(MINIMAL.replace("http://localhost:8008", "ftp://x"))))
        .hasMessageContaining("homeserver.url must be an http:// or https:// URL");
    assertThatThrownBy(() -> loader.load(write(MINIMAL + "irc:\n  enabled: yes please\n")))
        .hasMessageContaining("irc.enabled must be true or false");
    assertThatThrownBy(() -> loader.load(write(MINIMAL + "homserver: {}\n")))
        .hasMessageContaining("unknown config key 'homserver'");
    assertThatThrownBy(() -> loader.load(write("homeserver: [\n")))
        .hasMessageContaining("is not valid YAML");
    assertThatThrownBy(() -> loader.load(write(MINIMAL + "database:\n  url: jdbc:mysql://x\n")))
        .hasMessageContaining("database.url must start with jdbc:sqlite: or jdbc:postgresql:");
  }

  @Test
  void environmentVariablesOverrideSecretsAndKeys() throws Exception {
    BridgeConfig cfg = new ConfigLoader(Map.of("SWITCHBOARD_DATABASE_PASSWORD", "s3cret",
        "SWITCHBOARD_HOMESERVER_URL", "https://matrix.example.org")).load(write(MINIMAL));
    assertThat(cfg.database().password()).isEqualTo("s3cret");
    assertThat(cfg.database().toString()).doesNotContain("s3cret");
    assertThat(cfg.homeserver().url().toString()).isEqualTo("https://matrix.example.org");
  }

  @Test
  void aDoubleUnderscoreReachesSecretsInsideConnectorSections() throws Exception {
    BridgeConfig cfg = new ConfigLoader(Map.of("SWITCHBOARD_SIP_TRUNK__PASSWORD", "pbx-secret",
        "SWITCHBOARD_IRC_NETWORKS__LIBERA__PASSWORD", "irc-secret"))
        .load(write(MINIMAL + "sip:\n  enabled: false\n  trunk:\n    host: pbx\nirc:\n  enabled: false\n"));
    assertThat(cfg.connector("sip").path("trunk").path("password").asText()).isEqualTo("pbx-secret");
    assertThat(cfg.connector("sip").path("trunk").path("host").asText()).isEqualTo("pbx");
    assertThat(cfg.connector("irc").path("networks").path("libera").path("password").asText())
        .isEqualTo("irc-secret");
  }
}
