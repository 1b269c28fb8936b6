package dev.switchboard.core.inbox;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Takes the events addressed to the bot rather than to a connector: invites of the bot, messages in its admin rooms,
 * and commands such as {@code !irc ...} in bridged rooms. An event it claims is not bridged.
 */
public interface BotRoomHandler {
  BotRoomHandler NONE = new BotRoomHandler() {
    @Override
    public boolean claims(MatrixEvent event, List<Link> links) {
      return false;
    }

    @Override
    public CompletableFuture<Void> handle(MatrixEvent event, List<Link> links) {
      return CompletableFuture.completedFuture(null);
    }
  };

  /** Whether the bot takes {@code event} (sent by someone other than the bot) instead of the room's links. */
  boolean claims(MatrixEvent event, List<Link> links);

  /**
   * Handles a claimed event. A failed future makes the dispatcher try again, so a handler that has acted (run a
   * command) should complete normally even if its reply failed.
   */
  CompletableFuture<Void> handle(MatrixEvent event, List<Link> links);
}
