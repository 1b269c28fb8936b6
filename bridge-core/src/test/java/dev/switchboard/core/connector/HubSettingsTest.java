package dev.switchboard.core.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The {@code hub:} block of a connector section: names of other networks' people, their membership, topics. */
class HubSettingsTest {
  private static JsonNode yaml(String json) throws Exception {
    return new ObjectMapper().readTree(json);
  }

  @Test
  void withoutAHubBlockOtherNetworksShowAsNameBracketNetworkAndJoinWhenTheySpeak() throws Exception {
    HubSettings s = HubSettings.from(yaml("{}"), "irc");

    assertThat(s.nameOf("carol", "xmpp")).isEqualTo("carol[xmpp]");
    assertThat(s.allJoins()).isFalse();
    assertThat(s.topics()).isTrue();
  }

  @Test
  void theBlockSetsTheTemplateTheMembershipAndTopics() throws Exception {
    HubSettings s = HubSettings.from(yaml("""
        {"hub": {"foreign_name": "{network}-{name}", "foreign_members": "all", "topics": false}}"""), "xmpp");

    assertThat(s.nameOf("dave", "irc")).isEqualTo("irc-dave");
    assertThat(s.allJoins()).isTrue();
    assertThat(s.topics()).isFalse();
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> HubSettings.from(yaml("{\"hub\": {\"foreign_name\": \"[{network}]\"}}"), "irc"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.hub.foreign_name").hasMessageContaining("{name}");
    assertThatThrownBy(() -> HubSettings.from(yaml("{\"hub\": {\"foreign_members\": \"some\"}}"), "xmpp"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("xmpp.hub.foreign_members");
    assertThatThrownBy(() -> HubSettings.from(yaml("{\"hub\": {\"topics\": \"yes\"}}"), "irc"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.hub.topics");
    assertThatThrownBy(() -> HubSettings.from(yaml("{\"hub\": 3}"), "irc"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.hub must be a map");
  }
}
