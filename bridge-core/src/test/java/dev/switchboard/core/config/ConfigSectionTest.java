package dev.switchboard.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigSectionTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private enum Mode { PLAIN_TEXT, HTML }

  private static ConfigSection irc(String yaml) throws Exception {
    JsonNode root = YAML.readTree(yaml);
    return ConfigSection.of(root.path("irc"), "irc");
  }

  @Test
  void readsValuesAndFallsBackWhenAbsent() throws Exception {
    ConfigSection s = irc("""
        irc:
          name: " libera "
          port: 6697
          tls: true
          limit: "30"
          wait_seconds: 5
          mode: plain-text
          channels: ["#a", "#b"]
          one: "#c"
          url: https://example.org/media
        """);
    assertThat(s.text("name", "x")).isEqualTo("libera");
    assertThat(s.text("absent", "x")).isEqualTo("x");
    assertThat(s.port("port", 1)).isEqualTo(6697);
    assertThat(s.bool("tls", false)).isTrue();
    assertThat(s.integer("limit", 0, 1, 100)).isEqualTo(30);
    assertThat(s.seconds("wait_seconds", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1)))
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(s.choice("mode", Mode.class, Mode.HTML)).isEqualTo(Mode.PLAIN_TEXT);
    assertThat(s.strings("channels")).containsExactly("#a", "#b");
    assertThat(s.strings("one")).containsExactly("#c");
    assertThat(s.strings("absent")).isEmpty();
    assertThat(s.httpUrl("url")).isEqualTo(URI.create("https://example.org/media"));
    assertThat(s.optionalHttpUrl("absent")).isEmpty();
  }

  @Test
  void everyErrorNamesTheFullKey() throws Exception {
    ConfigSection s = irc("""
        irc:
          networks:
            libera:
              port: "x"
              tls: "yes"
              mode: bold
          servers:
            - host: a
            - 5
          url: ftp://x
        """);
    ConfigSection libera = s.namedSections("networks").get("libera");
    assertThat(libera.path()).isEqualTo("irc.networks.libera");
    assertThatThrownBy(() -> libera.port("port", 6667))
        .hasMessage("irc.networks.libera.port must be a port number from 1 to 65535, got \"x\"");
    assertThatThrownBy(() -> libera.bool("tls", false))
        .hasMessage("irc.networks.libera.tls must be true or false, got \"yes\"");
    assertThatThrownBy(() -> libera.choice("mode", Mode.class, Mode.HTML))
        .hasMessage("irc.networks.libera.mode must be one of plain_text, html, got \"bold\"");
    assertThatThrownBy(() -> libera.requiredText("host", "the server's host name"))
        .hasMessage("irc.networks.libera.host is required: the server's host name");
    assertThatThrownBy(() -> s.sections("servers"))
        .hasMessage("irc.servers[1] must be a mapping (key: value lines), got 5");
    assertThatThrownBy(() -> s.httpUrl("url"))
        .hasMessage("irc.url must be an http:// or https:// URL with a host, got \"ftp://x\"");
    assertThatThrownBy(() -> s.integer("networks", 0, 0, 1)).hasMessageStartingWith("irc.networks must be a whole");
  }

  @Test
  void rangesAndParsedValues() throws Exception {
    ConfigSection s = irc("""
        irc:
          limit: 500
          size: 12x
        """);
    assertThatThrownBy(() -> s.integer("limit", 0, 1, 100)).hasMessage("irc.limit must be between 1 and 100, got 500");
    assertThatThrownBy(() -> s.parsed("size", v -> {
      throw new IllegalArgumentException("must look like 640x480, got \"" + v + "\"");
    })).hasMessage("irc.size must look like 640x480, got \"12x\"");
    assertThat(s.parsed("absent", Integer::parseInt)).isEqualTo(Optional.empty());
    assertThatThrownBy(() -> s.allowOnly(List.of("limit"))).hasMessage("unknown key 'irc.size'; expected one of [limit]");
  }

  @Test
  void aMissingSectionIsEmptyAndAScalarSectionIsAnError() throws Exception {
    assertThat(irc("other: 1").has("anything")).isFalse();
    assertThat(irc("other: 1").sections("x")).isEqualTo(List.of());
    assertThatThrownBy(() -> irc("irc: 5")).hasMessage("irc must be a mapping (key: value lines), got 5");
  }
}
