package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;

/**
 * A room write that must not be lost, as stored in {@code outbound_queue.request}. The txn ids are derived before the
 * request is stored, so a row sent again after a restart carries the same one.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = OutboundRequest.SendEvent.class, name = "send"),
    @JsonSubTypes.Type(value = OutboundRequest.SendState.class, name = "state"),
    @JsonSubTypes.Type(value = OutboundRequest.Redact.class, name = "redact")
})
public sealed interface OutboundRequest {

  /** Who sends it: the bot or a ghost. */
  UserId sender();

  RoomId room();

  /** The HTTP request, without identity assertion (the intent adds it). */
  MatrixRequest toRequest();

  /** What it is, for logs: e.g. {@code m.room.message event}. */
  String describe();

  /** {@code PUT /rooms/{roomId}/send/{eventType}/{txnId}}, with {@code ?ts=} when a timestamp is given. */
  record SendEvent(
      @JsonProperty("sender") UserId sender,
      @JsonProperty("room") RoomId room,
      @JsonProperty("type") String type,
      @JsonProperty("content") JsonNode content,
      @JsonProperty("txn_id") String txnId,
      @JsonProperty("ts") Long timestamp) implements OutboundRequest {

    @Override
    public MatrixRequest toRequest() {
      MatrixRequest r = MatrixRequest.put(
          MatrixRequest.path(MatrixRequest.CLIENT_V3, "rooms", room.value(), "send", type, txnId), content);
      // ts is the application-service extension for bridged history (spec: "Timestamp massaging").
      return timestamp == null ? r : r.withQuery("ts", Long.toString(timestamp));
    }

    @Override
    public String describe() {
      return type + " event";
    }
  }

  /** {@code PUT /rooms/{roomId}/state/{eventType}/{stateKey}}. */
  record SendState(
      @JsonProperty("sender") UserId sender,
      @JsonProperty("room") RoomId room,
      @JsonProperty("type") String type,
      @JsonProperty("state_key") String stateKey,
      @JsonProperty("content") JsonNode content) implements OutboundRequest {

    @Override
    public MatrixRequest toRequest() {
      return MatrixRequest.put(
          MatrixRequest.path(MatrixRequest.CLIENT_V3, "rooms", room.value(), "state", type, stateKey), content);
    }

    @Override
    public String describe() {
      return type + " state (key '" + stateKey + "')";
    }
  }

  /** {@code PUT /rooms/{roomId}/redact/{eventId}/{txnId}}. */
  record Redact(
      @JsonProperty("sender") UserId sender,
      @JsonProperty("room") RoomId room,
      @JsonProperty("event_id") EventId event,
      @JsonProperty("reason") String reason,
      @JsonProperty("txn_id") String txnId) implements OutboundRequest {

    @Override
    public MatrixRequest toRequest() {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      if (reason != null) {
        body.put("reason", reason);
      }
      return MatrixRequest.put(
          MatrixRequest.path(MatrixRequest.CLIENT_V3, "rooms", room.value(), "redact", event.value(), txnId), body);
    }

    @Override
    public String describe() {
      return "redaction of " + event;
    }
  }
}
