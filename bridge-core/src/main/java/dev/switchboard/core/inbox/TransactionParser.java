package dev.switchboard.core.inbox;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code PUT /transactions} bodies. One malformed event never fails the transaction: a homeserver that gets
 * an error retries the same transaction forever and holds every later one behind it, so bad events are logged once
 * and skipped.
 */
public final class TransactionParser {
  private static final Logger log = LoggerFactory.getLogger(TransactionParser.class);

  /** Stable name first; the MSC2409 unstable prefix is what Synapse sent before Matrix 1.13. */
  private static final List<String> EPHEMERAL_KEYS = List.of("ephemeral", "de.sorunome.msc2409.ephemeral");

  private static final List<String> TO_DEVICE_KEYS = List.of("to_device", "de.sorunome.msc2409.to_device");

  private TransactionParser() {}

  /**
   * Parses a transaction body in one streaming pass, keeping each event's own bytes so the inbox stores them as
   * received. Device-list and one-time-key counts ({@code org.matrix.msc3202.*}, and their stable names) are
   * skipped: the bridge does not do end-to-end encryption.
   *
   * @throws JsonProcessingException when the body is not JSON
   * @throws IllegalArgumentException when it is JSON but not an object with an {@code events} array
   */
  public static ParsedTransaction parse(String txnId, byte[] raw, ObjectMapper json) throws IOException {
    List<ParsedTransaction.Item> pdus = null;
    List<ParsedTransaction.Item> ephemeral = null;
    List<ParsedTransaction.Item> toDevice = null;
    int[] skipped = {0};
    try (JsonParser p = json.getFactory().createParser(raw)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("transaction body must be a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("events")) {
          if (value != JsonToken.START_ARRAY) {
            throw new IllegalArgumentException("transaction body's 'events' must be an array");
          }
          pdus = readArray(txnId, p, raw, InboxEntry.Kind.PDU, skipped);
        } else if (EPHEMERAL_KEYS.contains(field) && value == JsonToken.START_ARRAY
            && (ephemeral == null || field.equals(EPHEMERAL_KEYS.get(0)))) {
          // Homeservers send one name or the other; if both come, the stable one wins.
          ephemeral = readArray(txnId, p, raw, InboxEntry.Kind.EPHEMERAL, skipped);
        } else if (TO_DEVICE_KEYS.contains(field) && value == JsonToken.START_ARRAY
            && (toDevice == null || field.equals(TO_DEVICE_KEYS.get(0)))) {
          toDevice = readArray(txnId, p, raw, InboxEntry.Kind.TO_DEVICE, skipped);
        } else {
          if (EPHEMERAL_KEYS.contains(field) || TO_DEVICE_KEYS.contains(field)) {
            log.warn("Ignoring '{}' in transaction {}: not an array", field, txnId);
          }
          p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new JsonParseException(p, "trailing content after the transaction object");
      }
    }
    if (pdus == null) {
      throw new IllegalArgumentException("transaction body must have an 'events' array");
    }
    List<ParsedTransaction.Item> items = new ArrayList<>(pdus);
    if (ephemeral != null) {
      items.addAll(ephemeral);
    }
    if (toDevice != null) {
      items.addAll(toDevice);
    }
    return new ParsedTransaction(List.copyOf(items), skipped[0]);
  }

  private static List<ParsedTransaction.Item> readArray(String txnId, JsonParser p, byte[] raw, InboxEntry.Kind kind,
      int[] skipped) throws IOException {
    List<ParsedTransaction.Item> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      int start = (int) p.currentTokenLocation().getByteOffset();
      JsonNode e = p.readValueAsTree();
      int end = (int) p.currentLocation().getByteOffset();
      String problem = kind == InboxEntry.Kind.PDU ? roomEventProblem(e) : edu(e);
      if (problem != null) {
        skipped[0]++;
        log.warn("Skipping malformed {} event in transaction {}: {} (event_id {})", kind.column(), txnId, problem,
            e.path("event_id").asText("none"));
        continue;
      }
      String rawJson = new String(raw, start, end - start, StandardCharsets.UTF_8);
      JsonNode room = e.path("room_id");
      out.add(new ParsedTransaction.Item(kind, kind == InboxEntry.Kind.PDU ? e.get("event_id").textValue() : null,
          room.isTextual() ? room.textValue() : null, e, rawJson));
    }
    return out;
  }

  private static String edu(JsonNode e) {
    return e.isObject() && e.path("type").isTextual() ? null : "not an object with a type";
  }

  /** Null when the event has what dispatch needs, else why not. */
  private static String roomEventProblem(JsonNode e) {
    if (!e.isObject()) {
      return "not a JSON object";
    }
    for (String field : List.of("event_id", "room_id", "sender", "type")) {
      if (!e.path(field).isTextual() || e.path(field).textValue().isEmpty()) {
        return "missing or non-string '" + field + "'";
      }
    }
    if (!e.get("event_id").textValue().startsWith("$")) {
      return "event_id does not start with '$'";
    }
    if (!e.get("room_id").textValue().startsWith("!")) {
      return "room_id does not start with '!'";
    }
    if (!e.get("sender").textValue().startsWith("@") || e.get("sender").textValue().indexOf(':') < 2) {
      return "sender is not a user id";
    }
    if (e.has("content") && !e.get("content").isObject()) {
      return "content is not an object";
    }
    if (e.has("state_key") && !e.get("state_key").isTextual()) {
      return "state_key is not a string";
    }
    return null;
  }
}
