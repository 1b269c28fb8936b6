package dev.switchboard.core.inbox;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event waiting in the inbox.
 *
 * @param seq position in the inbox, increasing in order of receipt
 * @param roomId the room, or null for events outside rooms (presence, to-device)
 * @param json the event as received; its tree is built on first use, on the dispatching thread
 */
public record InboxEntry(long seq, Kind kind, String roomId, LazyEvent json) {

  public InboxEntry(long seq, Kind kind, String roomId, JsonNode event) {
    this(seq, kind, roomId, LazyEvent.of(event));
  }

  /** The event as a tree (built on the first call). */
  public JsonNode event() {
    return json.tree();
  }

  /** Where in the transaction the event came from. */
  public enum Kind {
    PDU("pdu"),
    EPHEMERAL("ephemeral"),
    TO_DEVICE("to_device");

    private final String column;

    Kind(String column) {
      this.column = column;
    }

    public String column() {
      return column;
    }

    static Kind fromColumn(String value) {
      for (Kind k : values()) {
        if (k.column.equals(value)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown inbox kind " + value);
    }
  }

  /** The key of the serial queue the entry runs on: its room, or a shared key for room-less events. */
  public String queueKey() {
    return roomId != null ? roomId : "~" + kind.column();
  }
}
