package dev.switchboard.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.provisioning.ProvisioningConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code provisioning} and {@code logging} sections. */
class ProvisioningAndLoggingConfigTest {
  private static final String MINIMAL = """
      homeserver:
        url: http://localhost:8008
        domain: example.org
      appservice:
        port: 29320
      """;

  @TempDir
  Path dir;

  private BridgeConfig load(String yaml, Map<String, String> env) throws Exception {
    Path f = dir.resolve("config.yaml");
    Files.writeString(f, yaml);
    return new ConfigLoader(env).load(f);
  }

  @Test
  void provisioningIsOffByDefaultAndChecksOpenIdTokensAtTheHomeserver() throws Exception {
    BridgeConfig cfg = load(MINIMAL, Map.of());
    assertThat(cfg.provisioning().enabled()).isFalse();
    assertThat(cfg.provisioning().openIdUrl()).isEqualTo(URI.create("http://localhost:8008"));
    assertThat(load(ConfigLoader.sampleConfig(), Map.of()).provisioning().enabled()).isFalse();
  }

  @Test
  void provisioningReadsItsKeysAndTheSecretFromTheEnvironment() throws Exception {
    BridgeConfig cfg = load(MINIMAL + """
        provisioning:
          enabled: true
          bind: 0.0.0.0
          port: 9200
          openid_url: https://matrix-federation.example.org:8448
          openid_cache_seconds: 30
          link_timeout_seconds: 600
        """, Map.of("SWITCHBOARD_PROVISIONING_SHARED_SECRET", "0123456789abcdef0123"));
    ProvisioningConfig p = cfg.provisioning();
    assertThat(p).isEqualTo(new ProvisioningConfig(true, "0.0.0.0", 9200, "0123456789abcdef0123",
        URI.create("https://matrix-federation.example.org:8448"), Duration.ofSeconds(30), Duration.ofMinutes(10)));
    assertThat(p.toString()).doesNotContain("0123456789abcdef0123");
    assertThat(cfg.toString()).doesNotContain("0123456789abcdef0123");
  }

  @Test
  void badProvisioningSettingsNameTheKey() {
    assertThatThrownBy(() -> load(MINIMAL + "provisioning:\n  enabled: true\n  shared_secret: short\n", Map.of()))
        .hasMessageContaining("provisioning.shared_secret must be at least 16 characters");
    assertThatThrownBy(() -> load(MINIMAL + "provisioning:\n  enabled: true\n  port: 29320\n"
        + "  shared_secret: 0123456789abcdef\n", Map.of()))
        .hasMessageContaining("provisioning.port 29320 is already used");
    assertThatThrownBy(() -> load(MINIMAL + "provisioning:\n  secret: x\n", Map.of()))
        .hasMessageContaining("unknown key 'provisioning.secret'");
    assertThatThrownBy(() -> load(MINIMAL + "provisioning:\n  openid_url: ftp://x\n", Map.of()))
        .hasMessageContaining("provisioning.openid_url must be an http:// or https:// URL");
    assertThatThrownBy(() -> load(MINIMAL + "provisioning:\n  link_timeout_seconds: 0\n", Map.of()))
        .hasMessageContaining("provisioning.link_timeout_seconds must be between 1 and 3600");
  }

  @Test
  void loggingIsHumanReadableAtInfoUnlessConfigured() throws Exception {
    assertThat(load(MINIMAL, Map.of()).logging()).isEqualTo(BridgeConfig.Logging.defaults());

    BridgeConfig.Logging logging = load(MINIMAL + """
        logging:
          format: json
          level: warn
          levels:
            irc: debug
            io.netty: error
        """, Map.of()).logging();

    assertThat(logging.json()).isTrue();
    assertThat(logging.level()).isEqualTo("WARN");
    assertThat(logging.levels()).containsEntry("irc", "DEBUG").containsEntry("io.netty", "ERROR");
  }

  @Test
  void badLoggingSettingsNameTheKey() {
    assertThatThrownBy(() -> load(MINIMAL + "logging:\n  format: xml\n", Map.of()))
        .hasMessageContaining("logging.format must be text or json");
    assertThatThrownBy(() -> load(MINIMAL + "logging:\n  levels:\n    irc: loud\n", Map.of()))
        .hasMessageContaining("logging.levels.irc must be one of");
    assertThatThrownBy(() -> load(MINIMAL + "logging:\n  colour: true\n", Map.of()))
        .hasMessageContaining("unknown key 'logging.colour'");
  }
}
