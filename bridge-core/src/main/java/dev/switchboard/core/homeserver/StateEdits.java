package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Read-modify-write of one state event of a room (a room's {@code m.room.power_levels}), one edit at a time per room
 * and event type across the bridge. Matrix has no compare-and-set for state: two edits made at once both read the
 * same content and the second write undoes the first. For power levels that means a change the remote network made
 * is lost in Matrix, in the worst case a demotion (an IRC {@code -o}, a MUC moderator made a participant) undone by
 * a promotion of someone else a moment later, leaving the demoted user's power in the room.
 *
 * <p>The lanes are per JVM, not per bridge instance: serializing the edits of two bridges in one process (tests) costs
 * nothing but order. An edit's next one starts on the thread that settled it ({@link KeyedSerialExecutor#INLINE}):
 * {@code change} must be quick and must not block.
 */
public final class StateEdits {
  private static final KeyedSerialExecutor<String> LANES =
      new KeyedSerialExecutor<>(KeyedSerialExecutor.INLINE, "room state edits");

  private StateEdits() {}

  /**
   * Reads the event's content ({@code {}} when the room has none), lets {@code change} edit a copy of it, and sends the
   * copy as the new content when {@code change} returns true. Completes with whether it sent, once it has, and only
   * then lets the next edit of the same room and type read. A failed read or write fails the returned future and
   * the next edit goes on.
   */
  public static CompletableFuture<Boolean> edit(Intent bot, RoomId room, String type, String stateKey,
      Predicate<ObjectNode> change) {
    return LANES.submit(room.value() + '\u0000' + type + '\u0000' + stateKey,
        () -> bot.getState(room, type, stateKey).thenCompose(current -> {
          ObjectNode content = copyOf(current);
          if (!change.test(content)) {
            return CompletableFuture.completedFuture(false);
          }
          return bot.sendState(room, type, stateKey, content).thenApply(sent -> true);
        }));
  }

  private static ObjectNode copyOf(JsonNode current) {
    return current != null && current.isObject() ? ((ObjectNode) current).deepCopy()
        : JsonNodeFactory.instance.objectNode();
  }
}
