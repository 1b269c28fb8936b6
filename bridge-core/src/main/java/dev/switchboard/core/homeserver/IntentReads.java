package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What an {@link Intent} reads from the homeserver as its user, with the bounded retries of an interactive call.
 * Code that only looks (a permission check, a quote of the replied-to message) takes this, not a whole intent.
 */
public interface IntentReads {

  CompletableFuture<JsonNode> getState(RoomId room, String type, String stateKey);

  /**
   * One event of a room ({@code GET /rooms/{roomId}/event/{eventId}}), e.g. the original of a reply, to quote it and
   * name its author.
   */
  CompletableFuture<JsonNode> getEvent(RoomId room, EventId event);

  /**
   * {@code GET /rooms/{roomId}/joined_members} as this user (who must be in the room): member → display name, empty
   * where the member has none.
   */
  CompletableFuture<Map<UserId, Optional<String>>> joinedMembers(RoomId room);

  /**
   * The latest {@code limit} events of the room's timeline as this user sees them ({@code GET /rooms/{roomId}/messages}
   * backwards from the end), newest first, as the homeserver's client-format JSON.
   */
  CompletableFuture<List<JsonNode>> latestEvents(RoomId room, int limit);

  /** {@code GET /profile/{userId}}: the user's global display name and avatar URL (each may be missing), as JSON. */
  CompletableFuture<JsonNode> profile(UserId user);

  CompletableFuture<Optional<RoomId>> resolveAlias(RoomAlias alias);

  /**
   * {@code POST /publicRooms}: one page of the homeserver's published room directory, the response as is
   * ({@code chunk}, {@code next_batch}). {@code since} and {@code searchTerm} may be null.
   */
  CompletableFuture<JsonNode> publicRooms(int limit, String since, String searchTerm);
}
