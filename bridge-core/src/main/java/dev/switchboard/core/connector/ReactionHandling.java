package dev.switchboard.core.connector;

import dev.switchboard.core.event.MatrixReaction;
import java.util.concurrent.CompletableFuture;

/**
 * A connector that bridges reactions from Matrix. The core sorts each event once and calls this only for reactions
 * from people other than the connector's own ghosts, in a room linked to the connector, from users allowed to use
 * the bridge. The futures contract is {@link Connector}'s.
 */
public interface ReactionHandling {
  CompletableFuture<Void> onReaction(MatrixReaction reaction, Link link);
}
