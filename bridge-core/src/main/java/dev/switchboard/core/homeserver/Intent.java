package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Acts on the homeserver as one user: the bot, or a ghost through identity assertion ({@code ?user_id=}).
 * Every call retries transient failures (429, 5xx, network) itself; a failed future carries a
 * {@link MatrixException} with the homeserver's errcode for the rest.
 */
public interface Intent {

  UserId userId();

  /** Registers the user if needed ({@code M_USER_IN_USE} counts as success). Cached after the first success. */
  CompletableFuture<Void> ensureRegistered();

  /** Joins the room if not yet joined; when the join is forbidden the bot invites and the join is retried. */
  CompletableFuture<Void> ensureJoined(RoomId room);

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

  CompletableFuture<EventId> sendState(RoomId room, String type, String stateKey, JsonNode content);

  CompletableFuture<JsonNode> getState(RoomId room, String type, String stateKey);

  /**
   * One event of a room ({@code GET /rooms/{roomId}/event/{eventId}}), e.g. the original of a reply, to quote it and
   * name its author. The default fails: intents that cannot read events (test doubles) say so.
   */
  default CompletableFuture<JsonNode> getEvent(RoomId room, dev.switchboard.core.id.EventId event) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("this intent cannot read events"));
  }

  /**
   * {@code GET /rooms/{roomId}/joined_members} as this user (who must be in the room): member → display name, empty
   * where the member has none. Defaults to unsupported for test fakes.
   */
  default CompletableFuture<java.util.Map<UserId, Optional<String>>> joinedMembers(RoomId room) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("joinedMembers"));
  }

  /**
   * The latest {@code limit} events of the room's timeline as this user sees them ({@code GET /rooms/{roomId}/messages}
   * backwards from the end), newest first, as the homeserver's client-format JSON.
   */
  default CompletableFuture<java.util.List<JsonNode>> latestEvents(RoomId room, int limit) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("latestEvents"));
  }

  CompletableFuture<Void> setDisplayName(String displayName);

  /**
   * {@code GET /profile/{userId}}: the user's global display name and avatar URL (each may be missing), as JSON.
   * Defaults to unsupported for test fakes.
   */
  default CompletableFuture<JsonNode> profile(UserId user) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("profile"));
  }

  CompletableFuture<Void> setAvatarUrl(String mxcUri);

  /**
   * Sets this user's presence ({@code PUT /presence/{userId}/status}): {@code online}, {@code unavailable} or
   * {@code offline}, with an optional status message (none clears it). Best effort: presence is not a room write and
   * is not queued; the future always completes normally, a failure is only logged (at debug). Intents that cannot
   * set presence (test fakes) ignore it.
   */
  default CompletableFuture<Void> setPresence(String presence, Optional<String> statusMsg) {
    return CompletableFuture.completedFuture(null);
  }

  /** {@code POST /createRoom} with the given body; returns the new room id. */
  CompletableFuture<RoomId> createRoom(ObjectNode request);

  CompletableFuture<Void> createAlias(RoomAlias alias, RoomId room);

  CompletableFuture<Optional<RoomId>> resolveAlias(RoomAlias alias);

  CompletableFuture<Void> deleteAlias(RoomAlias alias);

  CompletableFuture<Void> invite(RoomId room, UserId user);

  CompletableFuture<Void> leave(RoomId room);

  CompletableFuture<Void> kick(RoomId room, UserId user, String reason);

  CompletableFuture<Void> ban(RoomId room, UserId user, String reason);

  /** Lifts a ban ({@code POST /rooms/{roomId}/unban}); the user's membership becomes {@code leave}. */
  default CompletableFuture<Void> unban(RoomId room, UserId user, String reason) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("unban"));
  }

  CompletableFuture<EventId> redact(RoomId room, EventId event, String reason, String txnKey);

  CompletableFuture<Void> setTyping(RoomId room, boolean typing, int timeoutMs);

  CompletableFuture<Void> sendReadReceipt(RoomId room, EventId event);

  /** Uploads media; returns the {@code mxc://} URI. */
  CompletableFuture<String> uploadMedia(byte[] data, String contentType, String fileName);

  /**
   * {@code POST /publicRooms}: one page of the homeserver's published room directory, the response as is
   * ({@code chunk}, {@code next_batch}). {@code since} and {@code searchTerm} may be null. Defaults to unsupported for
   * test fakes.
   */
  default CompletableFuture<JsonNode> publicRooms(int limit, String since, String searchTerm) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("publicRooms"));
  }
}
