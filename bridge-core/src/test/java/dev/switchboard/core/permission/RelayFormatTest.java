package dev.switchboard.core.permission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.id.UserId;
import org.junit.jupiter.api.Test;

class RelayFormatTest {
  private static final UserId RITA = UserId.of("@rita:relayed.org");

  @Test
  void theDefaultPutsTheNameInAngleBrackets() {
    assertThat(RelayFormat.defaults().render(RITA, "Rita", "hello", false)).isEqualTo("<Rita> hello");
    assertThat(RelayFormat.defaults().render(RITA, "Rita", "waves", true)).isEqualTo("* Rita waves");
  }

  @Test
  void aDisplayNameCannotBreakTheLineAndAMissingOneFallsBackToTheLocalpart() {
    assertThat(RelayFormat.defaults().render(RITA, "Ri\r\nPRIVMSG #x :pwn", "hi", false))
        .isEqualTo("<Ri  PRIVMSG #x :pwn> hi");
    assertThat(RelayFormat.defaults().render(RITA, " ", "hi", false)).isEqualTo("<rita> hi");
  }

  @Test
  void theTemplateComesFromConfigAndMustContainTheMessage() {
    RelayFormat custom = RelayFormat.fromConfig(dev.switchboard.core.config.ConfigSection.of(
        JsonNodeFactory.instance.objectNode().put("format", "[{user}] {message}"), "relay"));
    assertThat(custom.render(RITA, "Rita", "hi", false)).isEqualTo("[@rita:relayed.org] hi");
    assertThatThrownBy(() -> RelayFormat.fromConfig(dev.switchboard.core.config.ConfigSection.of(
        JsonNodeFactory.instance.objectNode().put("format", "{name}"), "relay")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("{message}");
  }

  @Test
  void levelsMapToHowMessagesAreBridged() {
    Permissions p = Permissions.fromConfig(JsonNodeFactory.instance.objectNode().put("relayed.org", "relay"),
        "test.local");
    assertThat(p.bridgingOf(RITA)).isEqualTo(Permissions.Bridging.RELAY);
    assertThat(p.bridgingOf(UserId.of("@alice:test.local"))).isEqualTo(Permissions.Bridging.PUPPET);
    assertThat(p.bridgingOf(UserId.of("@m:evil.org"))).isEqualTo(Permissions.Bridging.REFUSE);
  }
}
