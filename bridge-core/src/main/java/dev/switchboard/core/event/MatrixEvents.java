package dev.switchboard.core.event;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Optional;

/** Turns event JSON, already checked by the transaction parser, into {@link MatrixEvent}. */
public final class MatrixEvents {
  private MatrixEvents() {}

  /** @throws IllegalArgumentException when an id does not follow its grammar */
  public static MatrixEvent fromJson(JsonNode e) {
    JsonNode stateKey = e.path("state_key");
    return new MatrixEvent(
        EventId.of(e.path("event_id").asText()),
        RoomId.of(e.path("room_id").asText()),
        UserId.of(e.path("sender").asText()),
        e.path("type").asText(),
        stateKey.isTextual() ? Optional.of(stateKey.textValue()) : Optional.empty(),
        e.path("origin_server_ts").asLong(0),
        e.get("content"),
        e);
  }
}
