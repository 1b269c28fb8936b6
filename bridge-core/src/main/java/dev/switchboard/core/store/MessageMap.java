package dev.switchboard.core.store;

import dev.switchboard.core.id.EventId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Which Matrix event is which remote message, as connectors use it: one per bridge, so mappings recorded at the same
 * time by any connector share a commit. Reads block on JDBC; call them on the blocking executor.
 */
public interface MessageMap {

  /** Records one mapping (see {@link MessageMapStore#put}); completes once it is committed. */
  CompletableFuture<Void> record(MessageMapStore.NewMapping mapping);

  /** Records several mappings in their order; completes once all are committed. */
  CompletableFuture<Void> recordAll(List<MessageMapStore.NewMapping> mappings);

  /** The Matrix event that stands for {@code remote}, if one was recorded (and not yet pruned). Blocking. */
  Optional<MessageMapStore.MessageMapping> byRemote(MessageMapStore.RemoteMessage remote);

  /** The remote messages of one Matrix event, oldest first (see {@link MessageMapStore#byEvent}). Blocking. */
  List<MessageMapStore.MessageMapping> byEvent(EventId eventId);
}
