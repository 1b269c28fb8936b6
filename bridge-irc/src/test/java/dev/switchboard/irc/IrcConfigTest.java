package dev.switchboard.irc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.irc.network.NetworkConfig;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.testkit.LogCapture;
import org.junit.jupiter.api.Test;

class IrcConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonNode yaml(String text) throws Exception {
    return YAML.readTree(text);
  }

  @Test
  void aFullNetworkIsRead() throws Exception {
    IrcConfig config = IrcConfig.parse(yaml("""
        networks:
          libera:
            host: irc.libera.chat
            port: 6697
            tls: true
            password: secret
            nick: switchboard
            channels_allowed: ["#Java", "#matrix"]
        """));

    NetworkConfig libera = config.network("libera").orElseThrow();
    assertThat(libera.host()).isEqualTo("irc.libera.chat");
    assertThat(libera.port()).isEqualTo(6697);
    assertThat(libera.tls()).isTrue();
    assertThat(libera.password()).contains("secret");
    assertThat(libera.botNick()).isEqualTo("switchboard");
    assertThat(libera.allows(new ChannelName("#java"))).isTrue();
    assertThat(libera.allows(new ChannelName("#other"))).isFalse();
    assertThat(libera.toString()).doesNotContain("secret");
    assertThat(config.userPrefix()).isEqualTo("_irc_");
  }

  @Test
  void tlsDefaultsOnAndThePortFollowsIt() throws Exception {
    IrcConfig config = IrcConfig.parse(yaml("""
        networks:
          a: { host: a.example, nick: bot }
          b: { host: b.example, nick: bot, tls: false }
        """));

    assertThat(config.network("a").orElseThrow().port()).isEqualTo(6697);
    assertThat(config.network("a").orElseThrow().tls()).isTrue();
    assertThat(config.network("b").orElseThrow().port()).isEqualTo(6667);
    assertThat(config.network("b").orElseThrow().allows(new ChannelName("#any"))).isTrue();
  }

  @Test
  void errorsNameTheKey() {
    assertError("networks: {}", "irc.networks must map at least one network");
    assertError("networks: { libera: { nick: bot } }", "irc.networks.libera.host is required");
    assertError("networks: { libera: { host: h } }", "irc.networks.libera.nick is required");
    assertError("networks: { libera: { host: h, nick: bot, port: 70000 } }",
        "irc.networks.libera.port must be a TCP port between 1 and 65535");
    assertError("networks: { libera: { host: h, nick: bot, port: abc } }", "irc.networks.libera.port must be");
    assertError("networks: { libera: { host: h, nick: bot, tls: maybe } }",
        "irc.networks.libera.tls must be true or false");
    assertError("networks: { libera: { host: h, nick: 1bot } }", "irc.networks.libera.nick must be a valid IRC nick");
    assertError("networks: { my_net: { host: h, nick: bot } }", "irc.networks.my_net: the network id must be");
    assertError("networks: { libera: { host: h, nick: bot, channels_allowed: [java] } }",
        "irc.networks.libera.channels_allowed[0] must be a channel name");
    assertError("user_prefix: 'A B'\nnetworks: { a: { host: h, nick: bot } }", "irc.user_prefix must be");
  }

  private static void assertError(String text, String message) {
    assertThatThrownBy(() -> IrcConfig.parse(yaml(text)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void floodLineLimitAndNetsplitAreReadWithDefaults() throws Exception {
    IrcConfig config = IrcConfig.parse(yaml("""
        networks:
          a: { host: a.example, nick: bot, flood: { burst: 10, per_second: 0.5 }, line_limit: 5,
               netsplit: { delay_seconds: 60, quits_per_second: 3 } }
          b: { host: b.example, nick: bot }
        """));

    NetworkConfig a = config.network("a").orElseThrow();
    assertThat(a.flood()).isEqualTo(new dev.switchboard.irc.flood.FloodControl(10, 0.5));
    assertThat(a.lineLimit()).isEqualTo(5);
    assertThat(a.netsplit()).isEqualTo(new dev.switchboard.irc.membership.NetsplitConfig(
        java.time.Duration.ofSeconds(60), 3));
    NetworkConfig b = config.network("b").orElseThrow();
    assertThat(b.flood()).isEqualTo(dev.switchboard.irc.flood.FloodControl.DEFAULT);
    assertThat(b.lineLimit()).isEqualTo(IrcConfig.DEFAULT_LINE_LIMIT);
    assertThat(b.netsplit()).isEqualTo(dev.switchboard.irc.membership.NetsplitConfig.DEFAULT);
  }

  @Test
  void ghostPresenceIsOnUnlessTurnedOffAndMustBeABoolean() throws Exception {
    assertThat(IrcConfig.parse(yaml("networks: { a: { host: h, nick: n } }")).presence()).isTrue();
    assertThat(IrcConfig.parse(yaml("presence: false\nnetworks: { a: { host: h, nick: n } }")).presence()).isFalse();
    assertThatThrownBy(() -> IrcConfig.parse(yaml("presence: sometimes\nnetworks: { a: { host: h, nick: n } }")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.presence");
  }

  @Test
  void badFloodLineLimitAndNetsplitNameTheirKey() {
    assertThatThrownBy(() -> IrcConfig.parse(yaml("networks: { a: { host: h, nick: n, flood: { burst: 0 } } }")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.networks.a.flood.burst");
    assertThatThrownBy(() -> IrcConfig.parse(yaml("networks: { a: { host: h, nick: n, flood: { per_second: 0 } } }")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.networks.a.flood.per_second");
    assertThatThrownBy(() -> IrcConfig.parse(yaml("networks: { a: { host: h, nick: n, line_limit: 0 } }")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.networks.a.line_limit");
    assertThatThrownBy(() -> IrcConfig.parse(yaml(
        "networks: { a: { host: h, nick: n, netsplit: { delay_seconds: -1 } } }")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.networks.a.netsplit.delay_seconds");
  }

  @Test
  void theRetiredMediaBaseUrlStillStartsAndSaysOnceThatMediaPublicUrlIsUsedInstead() throws Exception {
    try (LogCapture log = new LogCapture(IrcConfig.class)) {
      IrcConfig config = IrcConfig.parse(yaml("media_base_url: ftp://x\nnetworks: { a: { host: h, nick: n } }"));

      assertThat(config.network("a")).isPresent();
      assertThat(log.lines(Level.WARN)).singleElement().asString()
          .contains("irc.media_base_url", "ignored", "media.public_url");
    }
    try (LogCapture log = new LogCapture(IrcConfig.class)) {
      IrcConfig.parse(yaml("networks: { a: { host: h, nick: n } }"));

      assertThat(log.lines(Level.WARN)).isEmpty();
    }
  }
}
