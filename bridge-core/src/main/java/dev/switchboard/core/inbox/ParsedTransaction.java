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
   * An event and where it came from, with what the inbox needs of it read once ({@link EventFields}).
   *
   * @param json the event as received, for dispatch; its tree is built on first use
   * @param rawJson the JSON text to store: the event's text exactly as received (no re-serialising), unless
   *     {@link SecretScrubber} took a secret out of it
   */
  public record Item(InboxEntry.Kind kind, String eventId, String roomId, EventFields fields, LazyEvent json,
      String rawJson) {

    /** The event as a tree (built on the first call). */
    public JsonNode event() {
      return json.tree();
    }
  }
}
