package dev.switchboard.core.connector;

import dev.switchboard.core.event.MatrixRedaction;
import java.util.concurrent.CompletableFuture;

/**
 * A connector that bridges deletions (redactions) from Matrix. The core sorts each event once and calls this only
 * for redactions from people other than the connector's own ghosts, in a room linked to the connector, from users
 * allowed to use the bridge. The futures contract is {@link Connector}'s.
 */
public interface RedactionHandling {
  CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link);
}
