package dev.switchboard.testkit.homeserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

/** Small assertions on rooms of the test homeserver. */
final class JsonNodeAssert {
  private JsonNodeAssert() {}

  static JsonNode eventWithId(TestHomeserver hs, String room, String eventId) {
    JsonNode found = hs.timeline(room).stream().filter(e -> e.path("event_id").asText().equals(eventId)).findFirst()
        .orElse(null);
    assertThat(found).as("event %s in %s", eventId, room).isNotNull();
    return found;
  }
}
