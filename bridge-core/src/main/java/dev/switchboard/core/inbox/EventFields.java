package dev.switchboard.core.inbox;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * What the inbox reads of an event before acknowledging it, taken in one streaming pass over the event's JSON
 * object without building a tree (see {@link LazyEvent} for why). Only the event's own top-level fields and the
 * {@code body} of its {@code content} are read; everything else is skipped. A field given twice counts with its
 * last value, as in the tree Jackson builds later, so both always agree on what the event is.
 *
 * @param eventId {@code event_id} when a string, else null
 * @param roomId {@code room_id} when a string, else null
 * @param sender {@code sender} when a string, else null
 * @param type {@code type} when a string, else null
 * @param originTs {@code origin_server_ts} when an integer that fits a long, else 0 ({@link InboxStore#originTs})
 * @param body {@code content.body} when {@code content} is an object and its body a string, else null
 * @param contentNotObject {@code content} is present and not an object
 * @param stateKeyNotString {@code state_key} is present and not a string
 */
record EventFields(String eventId, String roomId, String sender, String type, long originTs, String body,
    boolean contentNotObject, boolean stateKeyNotString) {

  /**
   * Reads the object whose {@code START_OBJECT} is the parser's current token, up to and including its
   * {@code END_OBJECT}.
   */
  static EventFields read(JsonParser p) throws IOException {
    String eventId = null;
    String roomId = null;
    String sender = null;
    String type = null;
    long originTs = 0L;
    String body = null;
    boolean contentNotObject = false;
    boolean stateKeyNotString = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "event_id" -> eventId = string(p, value);
        case "room_id" -> roomId = string(p, value);
        case "sender" -> sender = string(p, value);
        case "type" -> type = string(p, value);
        case "state_key" -> stateKeyNotString = string(p, value) == null;
        case "origin_server_ts" -> originTs = integer(p, value);
        case "content" -> {
          contentNotObject = value != JsonToken.START_OBJECT;
          body = contentNotObject ? skip(p) : contentBody(p);
        }
        default -> p.skipChildren();
      }
    }
    return new EventFields(eventId, roomId, sender, type, originTs, body, contentNotObject, stateKeyNotString);
  }

  private static String string(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }

  /** The value if it is an integer that fits a long, else 0; skips an object or array. */
  private static long integer(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      return p.getLongValue();
    }
    p.skipChildren();
    return 0L;
  }

  private static String skip(JsonParser p) throws IOException {
    p.skipChildren();
    return null;
  }

  /** The {@code body} string of the content object the parser is at (its last, if given twice), else null. */
  private static String contentBody(JsonParser p) throws IOException {
    String body = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (name.equals("body")) {
        body = string(p, value);
      } else {
        p.skipChildren();
      }
    }
    return body;
  }

  /** Null when a room event has what dispatch needs, else why not. */
  String roomEventProblem() {
    String missing = blank(eventId) ? "event_id" : blank(roomId) ? "room_id" : blank(sender) ? "sender"
        : blank(type) ? "type" : null;
    if (missing != null) {
      return "missing or non-string '" + missing + "'";
    }
    if (!eventId.startsWith("$")) {
      return "event_id does not start with '$'";
    }
    if (!roomId.startsWith("!")) {
      return "room_id does not start with '!'";
    }
    if (!sender.startsWith("@") || sender.indexOf(':') < 2) {
      return "sender is not a user id";
    }
    if (contentNotObject) {
      return "content is not an object";
    }
    if (stateKeyNotString) {
      return "state_key is not a string";
    }
    return null;
  }

  private static boolean blank(String value) {
    return value == null || value.isEmpty();
  }

  /** Null when an ephemeral or to-device event has a type, else why not. */
  String eduProblem() {
    return type == null ? "not an object with a type" : null;
  }
}
