package dev.switchboard.core.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Optional;

/**
 * A room event as a homeserver pushed it to us, parsed at the edge.
 *
 * @param stateKey present only for state events
 * @param content the event content; connectors read the fields of the event types they handle
 * @param raw the whole event as received, for connectors that need fields we do not model
 */
public record MatrixEvent(
    EventId eventId,
    RoomId roomId,
    UserId sender,
    String type,
    Optional<String> stateKey,
    long originServerTs,
    JsonNode content,
    JsonNode raw) {

  public MatrixEvent {
    stateKey = stateKey == null ? Optional.empty() : stateKey;
    content = content == null ? JsonNodeFactory.instance.objectNode() : content;
    raw = raw == null ? JsonNodeFactory.instance.objectNode() : raw;
  }

  public boolean isState() {
    return stateKey.isPresent();
  }

  /** For {@code m.room.member}: the membership field, else empty. */
  public Optional<String> membership() {
    if (!"m.room.member".equals(type)) {
      return Optional.empty();
    }
    return Optional.ofNullable(content.path("membership").textValue());
  }
}
