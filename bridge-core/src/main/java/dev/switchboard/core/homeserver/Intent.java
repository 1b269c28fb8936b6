package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Acts on the homeserver as one user: the bot, or a ghost through identity assertion ({@code ?user_id=}). Its
 * queued room writes are {@link IntentWrites}, its reads {@link IntentReads}; what is declared here are the direct
 * calls (membership, profile, aliases, typing, media). Every call retries transient failures (429, 5xx, network)
 * itself; a failed future carries a {@link MatrixException} with the homeserver's errcode for the rest.
 */
public interface Intent extends IntentWrites, IntentReads {

  UserId userId();

  /** Registers the user if needed ({@code M_USER_IN_USE} counts as success). Cached after the first success. */
  CompletableFuture<Void> ensureRegistered();

  /** Joins the room if not yet joined; when the join is forbidden the bot invites and the join is retried. */
  CompletableFuture<Void> ensureJoined(RoomId room);

  CompletableFuture<Void> setDisplayName(String displayName);

  CompletableFuture<Void> setAvatarUrl(String mxcUri);

  /**
   * Sets this user's presence ({@code PUT /presence/{userId}/status}): {@code online}, {@code unavailable} or
   * {@code offline}, with an optional status message (none clears it). Best effort: presence is not a room write and
   * is not queued; the future always completes normally, a failure is only logged (at debug).
   */
  CompletableFuture<Void> setPresence(String presence, Optional<String> statusMsg);

  /**
   * {@code POST /createRoom} with the given body; returns the new room id. Refuses a body whose {@code initial_state}
   * turns encryption on: the bridge cannot decrypt yet.
   */
  CompletableFuture<RoomId> createRoom(ObjectNode request);

  CompletableFuture<Void> createAlias(RoomAlias alias, RoomId room);

  CompletableFuture<Void> deleteAlias(RoomAlias alias);

  CompletableFuture<Void> invite(RoomId room, UserId user);

  CompletableFuture<Void> leave(RoomId room);

  CompletableFuture<Void> kick(RoomId room, UserId user, String reason);

  CompletableFuture<Void> ban(RoomId room, UserId user, String reason);

  /** Lifts a ban ({@code POST /rooms/{roomId}/unban}); the user's membership becomes {@code leave}. */
  CompletableFuture<Void> unban(RoomId room, UserId user, String reason);

  CompletableFuture<Void> setTyping(RoomId room, boolean typing, int timeoutMs);

  CompletableFuture<Void> sendReadReceipt(RoomId room, EventId event);

  /** Uploads media; returns the {@code mxc://} URI. */
  CompletableFuture<String> uploadMedia(byte[] data, String contentType, String fileName);
}
