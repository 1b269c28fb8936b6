package dev.switchboard.core.connector;

import dev.switchboard.core.event.RoomStateChange;
import java.util.concurrent.CompletableFuture;

/**
 * A connector that bridges room settings (topic, name, power levels, ...) from Matrix. The core sorts each event
 * once and calls this only for state events other than membership from people other than the connector's own ghosts,
 * in a room linked to the connector, from users allowed to use the bridge. The futures contract is {@link
 * Connector}'s. It also gets the topics the bridge's bot set from another link of a hub room ({@link TopicRelay}).
 */
public interface RoomStateHandling {
  CompletableFuture<Void> onRoomState(RoomStateChange change, Link link);
}
