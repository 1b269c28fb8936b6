package dev.switchboard.core.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A transaction body reduced to the events worth storing.
 *
 * @param events each event with its kind; malformed ones already dropped
 * @param skipped how many events were dropped as malformed
 */
public record ParsedTransaction(List<Item> events, int skipped) {

  /**
   * An event and where it came from, with the room and event id read once.
   *
   * @param rawJson the event's JSON text exactly as received, stored as is (no re-serialising)
   */
  public record Item(InboxEntry.Kind kind, String eventId, String roomId, JsonNode event, String rawJson) {}
}
