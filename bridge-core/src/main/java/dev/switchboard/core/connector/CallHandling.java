package dev.switchboard.core.connector;

import dev.switchboard.core.event.CallSignal;
import java.util.concurrent.CompletableFuture;

/**
 * A connector that bridges calls from Matrix. The core sorts each event once and calls this only for call signalling
 * from people other than the connector's own ghosts, in a room linked to the connector, from users allowed to use
 * the bridge. The futures contract is {@link Connector}'s.
 */
public interface CallHandling {
  CompletableFuture<Void> onCall(CallSignal signal, Link link);
}
