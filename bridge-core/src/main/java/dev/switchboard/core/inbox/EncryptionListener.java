package dev.switchboard.core.inbox;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Takes every {@code m.room.encryption} state event, whoever sent it (the homeserver may turn encryption on in a room
 * the bridge created), instead of the room's links: the bridge cannot decrypt, so a room that turns encryption on
 * stops reaching the other side, and its people must be told.
 */
@FunctionalInterface
public interface EncryptionListener {
  EncryptionListener NONE = (event, links) -> CompletableFuture.completedFuture(null);

  /**
   * Encryption was turned on in {@code event}'s room, which has {@code links}. A failed future makes the dispatcher try
   * again; the entry is done once the future completes.
   */
  CompletableFuture<Void> encryptionEnabled(MatrixEvent event, List<Link> links);

  /** Whether {@code event} turns encryption on: an {@code m.room.encryption} state event with the empty state key. */
  static boolean turnsEncryptionOn(MatrixEvent event) {
    return "m.room.encryption".equals(event.type()) && event.stateKey().filter(String::isEmpty).isPresent();
  }
}
