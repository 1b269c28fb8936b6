package dev.switchboard.core.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.UserId;
import org.junit.jupiter.api.Test;

class BridgeInfoTest {
  private final BridgeInfo info = new BridgeInfo(UserId.of("@bridge:example.org"),
      new BridgeInfo.Named("xmpp", "XMPP"), new BridgeInfo.Named("example.net", "example.net"),
      new BridgeInfo.Named("bob@example.net", "Bob"), "dev.switchboard://xmpp/bob@example.net");

  @Test
  void theContentHasTheMsc2346Fields() {
    JsonNode c = info.content();
    assertThat(c.path("bridgebot").asText()).isEqualTo("@bridge:example.org");
    assertThat(c.path("creator").asText()).isEqualTo("@bridge:example.org");
    assertThat(c.path("protocol").path("id").asText()).isEqualTo("xmpp");
    assertThat(c.path("protocol").path("displayname").asText()).isEqualTo("XMPP");
    assertThat(c.path("network").path("id").asText()).isEqualTo("example.net");
    assertThat(c.path("channel").path("id").asText()).isEqualTo("bob@example.net");
    assertThat(c.path("channel").path("displayname").asText()).isEqualTo("Bob");
  }

  @Test
  void whoMaySendItFollowsTheEventLevelElseStateDefault() throws Exception {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    UserId bot = UserId.of("@bridge:example.org");
    assertThat(BridgeInfo.maySend(json.readTree("{\"users\": {\"@bridge:example.org\": 50}}"), bot)).isTrue();
    assertThat(BridgeInfo.maySend(json.readTree("{\"users\": {}, \"users_default\": 0}"), bot)).isFalse();
    assertThat(BridgeInfo.maySend(json.readTree("{\"users_default\": 10, \"events\": {\"m.bridge\": 10}}"), bot))
        .isTrue();
    assertThat(BridgeInfo.maySend(json.readTree(
        "{\"users\": {\"@bridge:example.org\": 50}, \"events\": {\"m.bridge\": 100}}"), bot)).isFalse();
    assertThat(BridgeInfo.maySend(json.readTree("{\"users_default\": 0, \"state_default\": 0}"), bot)).isTrue();
  }

  @Test
  void aCreateRoomRequestGetsBothTypesAfterWhatItHadAlready() {
    ObjectNode request = JsonNodeFactory.instance.objectNode();
    request.putArray("initial_state").addObject().put("type", "m.room.guest_access").put("state_key", "");

    info.addTo(request);

    JsonNode initial = request.path("initial_state");
    assertThat(initial).hasSize(3);
    assertThat(initial.get(0).path("type").asText()).isEqualTo("m.room.guest_access");
    for (int i = 1; i <= 2; i++) {
      assertThat(initial.get(i).path("type").asText()).isEqualTo(BridgeInfo.TYPES.get(i - 1));
      assertThat(initial.get(i).path("state_key").asText()).isEqualTo("dev.switchboard://xmpp/bob@example.net");
      assertThat(initial.get(i).path("content")).isEqualTo(info.content());
    }
  }
}
