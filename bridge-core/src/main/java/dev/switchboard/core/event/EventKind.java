package dev.switchboard.core.event;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.UserId;
import java.util.Optional;

/**
 * The kinds the core sorts a room event into, once, before any connector sees it; a connector implements the
 * handler interface of each kind it supports (see {@code core.connector.MessageHandling} and its siblings).
 */
public enum EventKind {
  MESSAGE("messages"),
  EDIT("edits"),
  REACTION("reactions"),
  REDACTION("deletions"),
  MEMBERSHIP("membership changes"),
  ROOM_STATE("room settings"),
  CALL("calls"),
  /**
   * {@code m.room.encrypted}: content the bridge cannot read (it has no keys), so no connector is given it and the
   * sender is told.
   */
  ENCRYPTED("encrypted messages"),
  /** Anything else (polls, unknown types): no connector is given these. */
  OTHER("events of this type");

  private final String plural;

  EventKind(String plural) {
    this.plural = plural;
  }

  /** How a notice names events of this kind: "edits are not bridged to ...". */
  public String plural() {
    return plural;
  }

  /** Whether a person sent it as content to be seen (so that not bridging it is worth telling them). */
  public boolean isContent() {
    return this == MESSAGE || this == EDIT || this == REACTION || this == REDACTION || this == CALL
        || this == ENCRYPTED;
  }

  /** The kind of {@code event}, by its type and relations. */
  public static EventKind of(MatrixEvent event) {
    String type = event.type();
    if (event.isState()) {
      return "m.room.member".equals(type) ? MEMBERSHIP : ROOM_STATE;
    }
    switch (type) {
      case "m.room.message":
        return relation(event, "m.replace").isPresent() ? EDIT : MESSAGE;
      case "m.sticker":
        return MESSAGE;
      case "m.room.encrypted":
        return ENCRYPTED;
      case "m.reaction":
        return relation(event, "m.annotation").isPresent() ? REACTION : OTHER;
      case "m.room.redaction":
        return redacts(event).isPresent() ? REDACTION : OTHER;
      default:
        return type.startsWith("m.call.") ? CALL : OTHER;
    }
  }

  /** {@link #MESSAGE}: the event, with the event it replies to. */
  public static MatrixMessage message(MatrixEvent event) {
    return new MatrixMessage(event, eventId(event.content().path("m.relates_to").path("m.in_reply_to")
        .path("event_id")));
  }

  /** {@link #EDIT}: the edited event and the new content. */
  public static MatrixEdit edit(MatrixEvent event) {
    JsonNode newContent = event.content().path("m.new_content");
    return new MatrixEdit(event, relation(event, "m.replace").orElseThrow(),
        newContent.isObject() ? newContent : event.content());
  }

  /** {@link #REACTION}: the target and key (an emoji, or any text). */
  public static MatrixReaction reaction(MatrixEvent event) {
    return new MatrixReaction(event, relation(event, "m.annotation").orElseThrow(),
        event.content().path("m.relates_to").path("key").asText(""));
  }

  /** {@link #REDACTION}: what it redacts. */
  public static MatrixRedaction redaction(MatrixEvent event) {
    return new MatrixRedaction(event, redacts(event).orElseThrow());
  }

  /** {@link #MEMBERSHIP}: empty when the state key is not a user id or the membership is missing. */
  public static Optional<MembershipChange> membership(MatrixEvent event) {
    Optional<String> membership = event.membership();
    if (membership.isEmpty() || event.stateKey().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new MembershipChange(event, UserId.of(event.stateKey().get()), membership.get()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** {@link #CALL}: the call it belongs to (empty string when the event has no call id). */
  public static CallSignal call(MatrixEvent event) {
    return new CallSignal(event, event.content().path("call_id").asText(""));
  }

  private static Optional<EventId> relation(MatrixEvent event, String relType) {
    JsonNode relatesTo = event.content().path("m.relates_to");
    return relType.equals(relatesTo.path("rel_type").asText()) ? eventId(relatesTo.path("event_id"))
        : Optional.empty();
  }

  /** Room versions up to 10 carry {@code redacts} at the top level, 11 in the content. */
  private static Optional<EventId> redacts(MatrixEvent event) {
    Optional<EventId> inContent = eventId(event.content().path("redacts"));
    return inContent.isPresent() ? inContent : eventId(event.raw().path("redacts"));
  }

  private static Optional<EventId> eventId(JsonNode node) {
    if (!node.isTextual()) {
      return Optional.empty();
    }
    try {
      return Optional.of(EventId.of(node.textValue()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
