package dev.switchboard.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.media.MediaConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code media} section: on by default, with links that work on the bridge's own machine. */
class MediaConfigTest {
  private static final String MINIMAL = """
      homeserver:
        url: http://localhost:8008
        domain: example.org
      appservice:
        port: 29320
        url: http://bridge.internal:29320
      """;

  @TempDir
  Path dir;

  private BridgeConfig load(String yaml, Map<String, String> env) throws Exception {
    Path f = dir.resolve("config.yaml");
    Files.writeString(f, yaml);
    return new ConfigLoader(env).load(f);
  }

  @Test
  void withoutASectionTheEndpointRunsOnLoopbackAndLinksToItself() throws Exception {
    MediaConfig media = load(MINIMAL, Map.of()).media();

    assertThat(media.enabled()).isTrue();
    assertThat(media.bind()).isEqualTo("127.0.0.1");
    assertThat(media.port()).isEqualTo(29323);
    assertThat(media.publicUrl()).hasValue(URI.create("http://127.0.0.1:29323"));
    assertThat(media.linkLifetime()).isEqualTo(Duration.ofDays(30));
    assertThat(media.maxBytes()).isEqualTo(100L * 1024 * 1024);
    assertThat(media.maxConcurrent()).isEqualTo(32);
    assertThat(load(ConfigLoader.sampleConfig(), Map.of()).media()).isEqualTo(media);
  }

  @Test
  void onEveryAddressTheLinksUseTheAppserviceHost() throws Exception {
    MediaConfig media = load(MINIMAL + "media:\n  bind: 0.0.0.0\n  port: 8090\n", Map.of()).media();

    assertThat(media.publicUrl()).hasValue(URI.create("http://bridge.internal:8090"));
  }

  @Test
  void everyKeyIsRead() throws Exception {
    MediaConfig media = load(MINIMAL + """
        media:
          public_url: https://bridge.example.org/
          link_lifetime_days: 7
          max_bytes: 1000
          max_concurrent: 3
          idle_timeout_seconds: 5
        """, Map.of("SWITCHBOARD_MEDIA_PORT", "9999")).media();

    assertThat(media.port()).isEqualTo(9999);
    assertThat(media.publicUrl()).isEqualTo(Optional.of(URI.create("https://bridge.example.org/")));
    assertThat(media.linkLifetime()).isEqualTo(Duration.ofDays(7));
    assertThat(media.maxBytes()).isEqualTo(1000);
    assertThat(media.maxConcurrent()).isEqualTo(3);
    assertThat(media.limits().idleTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void mistakesNameTheKey() {
    assertThatThrownBy(() -> load(MINIMAL + "media:\n  public_ur: https://x.org\n", Map.of()))
        .hasMessageContaining("unknown key 'media.public_ur'");
    assertThatThrownBy(() -> load(MINIMAL + "media:\n  public_url: ftp://x.org\n", Map.of()))
        .hasMessageContaining("media.public_url must be an http:// or https:// URL");
    assertThatThrownBy(() -> load(MINIMAL + "media:\n  public_url: https://x.org/?a=b\n", Map.of()))
        .hasMessageContaining("media.public_url must not have a query");
    assertThatThrownBy(() -> load(MINIMAL + "media:\n  link_lifetime_days: 0\n", Map.of()))
        .hasMessageContaining("media.link_lifetime_days must be between 1 and 3650");
    assertThatThrownBy(() -> load(MINIMAL + "media:\n  max_concurrent: lots\n", Map.of()))
        .hasMessageContaining("media.max_concurrent must be a whole number");
    assertThatThrownBy(() -> load(MINIMAL + "media:\n  port: 29320\n", Map.of()))
        .hasMessageContaining("media.port 29320 is already used");
  }

  @Test
  void offIsOff() throws Exception {
    assertThat(load(MINIMAL + "media:\n  enabled: false\n  port: 29320\n", Map.of()).media().enabled()).isFalse();
  }
}
