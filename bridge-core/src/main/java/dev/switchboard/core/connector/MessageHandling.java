package dev.switchboard.core.connector;

import dev.switchboard.core.event.MatrixMessage;
import java.util.concurrent.CompletableFuture;

/**
 * A connector that bridges messages from Matrix. The core sorts each event once and calls this only for messages
 * (not edits) from people other than the connector's own ghosts, in a room linked to the connector, from users
 * allowed to use the bridge. The futures contract is {@link Connector}'s.
 */
public interface MessageHandling {
  CompletableFuture<Void> onMessage(MatrixMessage message, Link link);
}
