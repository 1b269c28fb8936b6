package dev.switchboard.core.inbox;

import com.fasterxml.jackson.databind.JsonNode;
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
   * Parses a transaction body. Device-list and one-time-key counts ({@code org.matrix.msc3202.*}, and their
   * stable names) are read as valid but not stored: the bridge does not do end-to-end encryption.
   *
   * @throws IllegalArgumentException when the body is not an object with an {@code events} array
   */
  public static ParsedTransaction parse(String txnId, JsonNode body) {
    if (body == null || !body.isObject()) {
      throw new IllegalArgumentException("transaction body must be a JSON object");
    }
    JsonNode pdus = body.path("events");
    if (!pdus.isArray()) {
      throw new IllegalArgumentException("transaction body must have an 'events' array");
    }
    List<ParsedTransaction.Item> items = new ArrayList<>(pdus.size());
    int skipped = 0;
    for (JsonNode e : pdus) {
      String problem = roomEventProblem(e);
      if (problem != null) {
        skipped++;
        log.warn("Skipping malformed event in transaction {}: {} (event_id {})", txnId, problem,
            e.path("event_id").asText("none"));
        continue;
      }
      items.add(new ParsedTransaction.Item(InboxEntry.Kind.PDU, e.get("event_id").textValue(),
          e.get("room_id").textValue(), e));
    }
    skipped += collect(txnId, body, EPHEMERAL_KEYS, InboxEntry.Kind.EPHEMERAL, items);
    skipped += collect(txnId, body, TO_DEVICE_KEYS, InboxEntry.Kind.TO_DEVICE, items);
    return new ParsedTransaction(List.copyOf(items), skipped);
  }

  private static int collect(String txnId, JsonNode body, List<String> keys, InboxEntry.Kind kind,
      List<ParsedTransaction.Item> into) {
    int skipped = 0;
    for (String key : keys) {
      JsonNode list = body.path(key);
      if (list.isMissingNode()) {
        continue;
      }
      if (!list.isArray()) {
        log.warn("Ignoring '{}' in transaction {}: not an array", key, txnId);
        continue;
      }
      for (JsonNode e : list) {
        if (!e.isObject() || !e.path("type").isTextual()) {
          skipped++;
          log.warn("Skipping malformed {} event in transaction {}: not an object with a type", kind.column(), txnId);
          continue;
        }
        JsonNode room = e.path("room_id");
        into.add(new ParsedTransaction.Item(kind, null, room.isTextual() ? room.textValue() : null, e));
      }
      // Homeservers send one name or the other; if both come, the stable one wins.
      break;
    }
    return skipped;
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
