package dev.switchboard.core.inbox;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import dev.switchboard.core.failure.ThrottledWarning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code PUT /transactions} bodies. One malformed event never fails the transaction: a homeserver that gets
 * an error retries the same transaction forever and holds every later one behind it, so bad events are skipped and
 * counted, with one (throttled) warning per transaction rather than one per event. That includes an event nested
 * deeper than {@link #MAX_EVENT_DEPTH} levels: a federated user can send one, and Jackson's own depth limit would
 * otherwise fail the whole body. A body that is not UTF-8 JSON (the spec's only encoding) is refused as not JSON.
 */
public final class TransactionParser {
  private static final Logger log = LoggerFactory.getLogger(TransactionParser.class);
  private static final ThrottledWarning malformed = new ThrottledWarning(log, Duration.ofSeconds(10));

  /**
   * The deepest an event may nest (the event object itself is level 1). serde_json, which Rust homeservers parse
   * with, stops at 128 for a whole document, so no homeserver-built event comes near it.
   */
  public static final int MAX_EVENT_DEPTH = 128;
  /** The transaction object and its array come on top of an event's own levels. */
  private static final int MAX_DOCUMENT_DEPTH = MAX_EVENT_DEPTH + 2;

  /** Stable name first; the MSC2409 unstable prefix is what Synapse sent before Matrix 1.13. */
  private static final List<String> EPHEMERAL_KEYS = List.of("ephemeral", "de.sorunome.msc2409.ephemeral");

  private static final List<String> TO_DEVICE_KEYS = List.of("to_device", "de.sorunome.msc2409.to_device");

  private static final String TOO_DEEP = "nested deeper than " + MAX_EVENT_DEPTH + " levels";

  private record Bounded(ObjectMapper from, ObjectMapper bounded) {}

  /** The caller's mapper with the depth limit, derived once (callers pass the same mapper every time). */
  private static volatile Bounded bounded;

  private TransactionParser() {}

  /**
   * Parses a transaction body in one streaming pass, keeping each event's own bytes so the inbox stores them as
   * received. Device-list and one-time-key counts ({@code org.matrix.msc3202.*}, and their stable names) are
   * skipped: the bridge does not do end-to-end encryption.
   *
   * @throws JsonProcessingException when the body is not UTF-8 JSON
   * @throws IllegalArgumentException when it is JSON but not an object with an {@code events} array
   */
  public static ParsedTransaction parse(String txnId, byte[] raw, ObjectMapper json) throws IOException {
    requireUtf8(raw);
    ObjectMapper mapper = bounded(json);
    Skips skips = new Skips();
    ParsedTransaction txn;
    try {
      txn = parse(txnId, raw, raw, mapper, Set.of(), skips);
    } catch (StreamConstraintsException tooDeep) {
      // Rare: blank out every over-deep value (same length, so the other events keep their offsets) and read again.
      DeepValues.Blanked blanked = DeepValues.blank(raw, MAX_DOCUMENT_DEPTH);
      if (blanked.starts().isEmpty()) {
        throw tooDeep;
      }
      skips = new Skips();
      txn = parse(txnId, blanked.body(), raw, mapper, blanked.starts(), skips);
    }
    skips.report(txnId);
    return txn;
  }

  private static ParsedTransaction parse(String txnId, byte[] body, byte[] raw, ObjectMapper json,
      Set<Integer> blanked, Skips skips) throws IOException {
    List<ParsedTransaction.Item> pdus = null;
    List<ParsedTransaction.Item> ephemeral = null;
    List<ParsedTransaction.Item> toDevice = null;
    try (JsonParser p = json.getFactory().createParser(body)) {
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
          pdus = readArray(p, raw, json, InboxEntry.Kind.PDU, blanked, skips);
        } else if (EPHEMERAL_KEYS.contains(field) && value == JsonToken.START_ARRAY
            && (ephemeral == null || field.equals(EPHEMERAL_KEYS.get(0)))) {
          // Homeservers send one name or the other; if both come, the stable one wins.
          ephemeral = readArray(p, raw, json, InboxEntry.Kind.EPHEMERAL, blanked, skips);
        } else if (TO_DEVICE_KEYS.contains(field) && value == JsonToken.START_ARRAY
            && (toDevice == null || field.equals(TO_DEVICE_KEYS.get(0)))) {
          toDevice = readArray(p, raw, json, InboxEntry.Kind.TO_DEVICE, blanked, skips);
        } else {
          if (EPHEMERAL_KEYS.contains(field) || TO_DEVICE_KEYS.contains(field)) {
            skips.note("'" + field + "' is not an array");
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
    return new ParsedTransaction(List.copyOf(items), skips.count);
  }

  /**
   * JSON in the Matrix APIs is UTF-8. Jackson would also read UTF-16 and UTF-32 (and then has no byte offsets to
   * cut events out by); a byte order mark or a NUL byte, which UTF-8 JSON never contains unescaped, rules them out.
   */
  private static void requireUtf8(byte[] raw) throws JsonParseException {
    if (raw.length >= 2 && ((raw[0] & 0xff) == 0xfe && (raw[1] & 0xff) == 0xff
        || (raw[0] & 0xff) == 0xff && (raw[1] & 0xff) == 0xfe)
        || raw.length >= 3 && (raw[0] & 0xff) == 0xef && (raw[1] & 0xff) == 0xbb && (raw[2] & 0xff) == 0xbf) {
      throw new JsonParseException((JsonParser) null, "the body starts with a byte order mark; send UTF-8 without");
    }
    for (byte b : raw) {
      if (b == 0) {
        throw new JsonParseException((JsonParser) null, "the body is not UTF-8 (it has NUL bytes)");
      }
    }
  }

  private static ObjectMapper bounded(ObjectMapper json) {
    Bounded b = bounded;
    if (b != null && b.from() == json) {
      return b.bounded();
    }
    ObjectMapper derived = json.copyWith(json.getFactory().rebuild()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DOCUMENT_DEPTH).build())
        .build());
    bounded = new Bounded(json, derived);
    return derived;
  }

  /** The array's valid events, each read by {@link EventFields} without a tree ({@link LazyEvent} builds it later). */
  private static List<ParsedTransaction.Item> readArray(JsonParser p, byte[] raw, ObjectMapper json,
      InboxEntry.Kind kind, Set<Integer> blanked, Skips skips) throws IOException {
    List<ParsedTransaction.Item> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      int start = (int) p.currentTokenLocation().getByteOffset();
      EventFields fields = null;
      if (p.currentToken() == JsonToken.START_OBJECT) {
        fields = EventFields.read(p);
      } else {
        p.skipChildren();
      }
      int end = (int) p.currentLocation().getByteOffset();
      String problem = blanked.contains(start) ? TOO_DEEP
          : fields == null ? (kind == InboxEntry.Kind.PDU ? "not a JSON object" : "not an object with a type")
          : kind == InboxEntry.Kind.PDU ? fields.roomEventProblem() : fields.eduProblem();
      if (problem != null) {
        skips.skip(kind.column() + " event " + problem, fields == null ? null : fields.eventId());
        continue;
      }
      String rawJson = new String(raw, start, end - start, StandardCharsets.UTF_8);
      out.add(new ParsedTransaction.Item(kind, kind == InboxEntry.Kind.PDU ? fields.eventId() : null,
          fields.roomId(), fields, LazyEvent.of(raw, start, end - start, json), rawJson));
    }
    return out;
  }

  /** What one transaction skipped, by reason, for one log line. */
  private static final class Skips {
    private final Map<String, Integer> reasons = new LinkedHashMap<>();
    private int count;
    private String firstEventId;

    void skip(String reason, String eventId) {
      count++;
      if (reasons.size() < 16 || reasons.containsKey(reason)) {
        reasons.merge(reason, 1, Integer::sum);
      }
      if (firstEventId == null && eventId != null) {
        firstEventId = eventId;
      }
    }

    /** Something ignored that is no event: reported, not counted. */
    void note(String reason) {
      reasons.merge(reason, 1, Integer::sum);
    }

    void report(String txnId) {
      if (!reasons.isEmpty()) {
        malformed.warn("Transaction {}: skipped {} malformed event(s) and stored the rest: {}{}", printable(txnId),
            count, reasons,
            firstEventId == null ? "" : " (first with an id: " + printable(firstEventId) + ")");
      }
    }

    /** Ids come from the network: no control characters into the log, and no novel-length lines. */
    private static String printable(String s) {
      String cut = s.length() > 120 ? s.substring(0, 120) + "…" : s;
      return cut.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
          .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
  }
}
