package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.HtmlText;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One sender's consecutive plain lines sent as one multi-line {@code m.room.message} when a room's lane is behind
 * the homeserver (see {@link OutboundQueue}). Only {@code m.text} and {@code m.notice} lines merge: an
 * {@code m.emote} line read after another one would lose its "* nick" (clients show it only for the first line),
 * and anything with a relation (reply, edit, thread) must stay its own event. Lines merge only with lines of the
 * same sender, room and msgtype whose other content keys (e.g. IRC's account tag) are equal, and only up to
 * {@link #MAX_LINES} lines and {@link #MAX_BYTES} bytes of text, far below the homeserver's 65,536-byte event limit.
 */
final class CoalescedLines {
  /** Lines per merged event at most. */
  static final int MAX_LINES = 20;
  /** UTF-8 bytes of {@code body} plus {@code formatted_body} per merged event at most. */
  static final int MAX_BYTES = 16 * 1024;

  private static final String HTML = "org.matrix.custom.html";
  private static final Set<String> MSGTYPES = Set.of("m.text", "m.notice");
  /** Keys the merge builds itself; any other key must be equal in every line. */
  private static final Set<String> MERGED_KEYS = Set.of("msgtype", "body", "format", "formatted_body", "m.mentions");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final OutboundRequest.SendEvent first;
  private final ObjectNode rest;
  /** A line delivered twice (e.g. a history replay) comes with the same txn id: it must not go in twice. */
  private final Set<String> txnIds = new java.util.HashSet<>();
  private int lines;
  private int bytes;

  private CoalescedLines(OutboundRequest.SendEvent first) {
    this.first = first;
    this.rest = others(first.content());
    this.lines = 1;
    this.bytes = size(first.content());
    txnIds.add(first.txnId());
  }

  /** A batch that {@code request} heads, or null when it cannot merge with anything. */
  static CoalescedLines headedBy(OutboundRequest request) {
    return plainLine(request) instanceof OutboundRequest.SendEvent line ? new CoalescedLines(line) : null;
  }

  /** Takes {@code next} into the batch if it is a line of the same kind that still fits; false leaves it out. */
  boolean add(OutboundRequest request) {
    if (!(plainLine(request) instanceof OutboundRequest.SendEvent next) || lines == MAX_LINES
        || !next.sender().equals(first.sender()) || !next.room().equals(first.room())
        || !next.content().path("msgtype").equals(first.content().path("msgtype"))
        || !others(next.content()).equals(rest) || txnIds.contains(next.txnId())) {
      return false;
    }
    int size = size(next.content());
    if (bytes + size > MAX_BYTES) {
      return false;
    }
    lines++;
    bytes += size;
    txnIds.add(next.txnId());
    return true;
  }

  /** Lines taken so far, the head included. */
  int lines() {
    return lines;
  }

  /**
   * The one event of {@code batch} (the head first, in send order). Its txn id is the head's with the number of
   * lines appended: the grouping is stored before it is sent and never changes, so a resend after a crash carries
   * the same one, and it never equals a txn id a single line is sent under.
   */
  static OutboundRequest.SendEvent merge(List<OutboundRequest.SendEvent> batch) {
    OutboundRequest.SendEvent head = batch.get(0);
    ObjectNode content = others(head.content());
    content.put("msgtype", head.content().path("msgtype").asText());
    StringBuilder body = new StringBuilder();
    StringBuilder html = new StringBuilder();
    boolean anyHtml = false;
    Set<String> mentioned = new LinkedHashSet<>();
    boolean mentionsRoom = false;
    for (OutboundRequest.SendEvent line : batch) {
      JsonNode c = line.content();
      String text = c.path("body").asText();
      boolean isHtml = HTML.equals(c.path("format").asText(null)) && c.path("formatted_body").isTextual();
      anyHtml |= isHtml;
      if (!body.isEmpty()) {
        body.append('\n');
        html.append("<br>");
      }
      body.append(text);
      html.append(isHtml ? c.path("formatted_body").asText() : escape(text));
      c.path("m.mentions").path("user_ids").forEach(u -> mentioned.add(u.asText()));
      mentionsRoom |= c.path("m.mentions").path("room").asBoolean(false);
    }
    content.put("body", body.toString());
    if (anyHtml) {
      content.put("format", HTML).put("formatted_body", html.toString());
    }
    if (batch.stream().anyMatch(l -> l.content().has("m.mentions"))) {
      ObjectNode mentions = content.putObject("m.mentions");
      if (!mentioned.isEmpty()) {
        ArrayNode ids = mentions.putArray("user_ids");
        mentioned.forEach(ids::add);
      }
      if (mentionsRoom) {
        mentions.put("room", true);
      }
    }
    return new OutboundRequest.SendEvent(head.sender(), head.room(), head.type(), content,
        head.txnId() + "+" + batch.size(), head.timestamp());
  }

  /** The request as a line that may merge: a plain text or notice message without relation or HTML of another format. */
  private static OutboundRequest plainLine(OutboundRequest request) {
    if (!(request instanceof OutboundRequest.SendEvent send) || !"m.room.message".equals(send.type())
        || !send.content().isObject()) {
      return null;
    }
    JsonNode c = send.content();
    boolean plainFormat = !c.has("format") || (HTML.equals(c.path("format").asText(null))
        && c.path("formatted_body").isTextual());
    boolean known = true;
    for (Iterator<String> keys = c.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      // Relations, edits and extensible-event or file keys make a line its own event.
      known &= !key.startsWith("m.") || key.equals("m.mentions");
    }
    return MSGTYPES.contains(c.path("msgtype").asText()) && c.path("body").isTextual() && plainFormat && known
        ? send : null;
  }

  /** The content's keys other than those the merge builds. */
  private static ObjectNode others(JsonNode content) {
    ObjectNode rest = NODES.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = content.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!MERGED_KEYS.contains(field.getKey())) {
        rest.set(field.getKey(), field.getValue());
      }
    }
    return rest;
  }

  private static int size(JsonNode content) {
    return content.path("body").asText().getBytes(StandardCharsets.UTF_8).length
        + content.path("formatted_body").asText("").getBytes(StandardCharsets.UTF_8).length;
  }

  /** A plain line inside HTML: markup characters escaped, its own line breaks kept. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (i > 0) {
        out.append("<br>");
      }
      HtmlText.escape(lines[i], out);
    }
    return out.toString();
  }
}
