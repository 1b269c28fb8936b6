package dev.switchboard.testkit.homeserver.state;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A room event as stored: immutable; a redaction stores a new copy with stripped content.
 *
 * @param stream position in the server-wide stream (what the AS pusher and pagination order by)
 * @param stateKey {@code null} for a message event
 * @param redacts the redacted event id for {@code m.room.redaction}, else {@code null}
 * @param redactedBecause the redaction event id once this event was redacted, else {@code null}
 */
public record Event(long stream, String eventId, String roomId, String type, String sender, String stateKey,
    ObjectNode content, long originServerTs, String redacts, ObjectNode prevContent, String redactedBecause) {

  public boolean isState() {
    return stateKey != null;
  }

  /** The client-server format of the event (spec: ClientEvent). */
  public ObjectNode toJson(long nowMillis) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.set("content", content.deepCopy());
    json.put("event_id", eventId);
    json.put("origin_server_ts", originServerTs);
    json.put("room_id", roomId);
    json.put("sender", sender);
    if (stateKey != null) {
      json.put("state_key", stateKey);
    }
    json.put("type", type);
    if (redacts != null) {
      // Room versions 1-10 carry redacts at the top level; v11 moved it into content. Synapse sends both.
      json.put("redacts", redacts);
    }
    ObjectNode unsigned = json.putObject("unsigned");
    unsigned.put("age", Math.max(0, nowMillis - originServerTs));
    if (prevContent != null) {
      unsigned.set("prev_content", prevContent.deepCopy());
    }
    if (redactedBecause != null) {
      unsigned.putObject("redacted_because").put("event_id", redactedBecause);
    }
    return json;
  }

  Event redacted(String redactionId, ObjectNode keptContent) {
    return new Event(stream, eventId, roomId, type, sender, stateKey, keptContent, originServerTs, redacts, null,
        redactionId);
  }
}
