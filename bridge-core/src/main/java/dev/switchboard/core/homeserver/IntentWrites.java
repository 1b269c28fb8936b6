package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The room writes of an {@link Intent} that go through the durable {@link OutboundQueue}: what is waiting survives a
 * restart, is sent in order per room, and retries until the homeserver takes it. The future completes when it did.
 */
public interface IntentWrites {

  /**
   * Sends a message event, registering and joining first as needed. {@code txnKey} identifies the remote message
   * (e.g. network + message id): the same key always maps to the same Matrix txn id, so a retry never posts twice.
   * {@code timestamp} is the remote time in ms ({@code ?ts=}), for bridged history.
   */
  CompletableFuture<EventId> sendEvent(RoomId room, String type, JsonNode content, String txnKey,
      Optional<Long> timestamp);

  /** Sends {@code m.room.message} with the given content. */
  default CompletableFuture<EventId> sendMessage(RoomId room, JsonNode content, String txnKey) {
    return sendEvent(room, "m.room.message", content, txnKey, Optional.empty());
  }

  /**
   * Sends one plain line of a remote chat ({@code m.text} or {@code m.notice}, no relation) as
   * {@code m.room.message}, like {@link #sendEvent}, but lets the outbound queue merge it with the same sender's next
   * lines while the room is behind the homeserver: several lines then become one multi-line event, and each line's
   * future completes with that event's id (so several remote ids map to one event). Call it only for lines whose
   * later corrections and retractions the connector handles knowing that, and that the remote side delivers once: a
   * repeat of a line sent alone is dropped only by its own txn id (docs/architecture.md, "Coalescing").
   */
  default CompletableFuture<EventId> sendLine(RoomId room, JsonNode content, String txnKey, Optional<Long> timestamp) {
    return sendEvent(room, "m.room.message", content, txnKey, timestamp);
  }

  CompletableFuture<EventId> sendState(RoomId room, String type, String stateKey, JsonNode content);

  CompletableFuture<EventId> redact(RoomId room, EventId event, String reason, String txnKey);
}
