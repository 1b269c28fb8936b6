package dev.switchboard.irc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.irc.network.NetworkConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys for modes, idle puppets, reactions and redactions. */
class IrcMoreConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static NetworkConfig network(String settings) throws Exception {
    return IrcConfig.parse(YAML.readTree("networks:\n  n: { host: h, nick: bot" + settings + " }\n"))
        .network("n").orElseThrow();
  }

  @Test
  void defaultsMapOpsTo50VoiceTo1AndDisconnectIdlePuppetsAfterTwoDays() throws Exception {
    NetworkConfig n = network("");

    assertThat(n.powerLevelOf("o")).isEqualTo(50);
    assertThat(n.powerLevelOf("v")).isEqualTo(1);
    assertThat(n.powerLevelOf("ov")).isEqualTo(50);
    assertThat(n.powerLevelOf("")).isZero();
    assertThat(n.idleTimeout()).isEqualTo(Duration.ofDays(2));
    assertThat(n.reactions()).isEqualTo(NetworkConfig.Reactions.ACTION);
    assertThat(n.redactions()).isEqualTo(NetworkConfig.Redactions.NOTICE);
  }

  @Test
  void everyKeyCanBeSet() throws Exception {
    NetworkConfig n = network(", mode_power_levels: { o: 75, h: 40 }, idle_timeout_seconds: 0, reactions: off, "
        + "redactions: off");

    assertThat(n.modePowerLevels()).isEqualTo(Map.of('o', 75, 'h', 40));
    assertThat(n.powerLevelOf("v")).isZero();
    assertThat(n.idleTimeout()).isZero();
    assertThat(n.reactions()).isEqualTo(NetworkConfig.Reactions.OFF);
    assertThat(n.redactions()).isEqualTo(NetworkConfig.Redactions.OFF);
  }

  @Test
  void badValuesNameTheKey() {
    assertThatThrownBy(() -> network(", mode_power_levels: { o: 100 }")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("irc.networks.n.mode_power_levels.o must be a power level from 0 to 99");
    assertThatThrownBy(() -> network(", mode_power_levels: { op: 50 }")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("single mode letters");
    assertThatThrownBy(() -> network(", idle_timeout_seconds: -1")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("irc.networks.n.idle_timeout_seconds");
    assertThatThrownBy(() -> network(", reactions: loud")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("irc.networks.n.reactions must be one of [action, off]");
  }
}
