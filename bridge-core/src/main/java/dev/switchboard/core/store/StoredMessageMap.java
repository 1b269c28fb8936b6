package dev.switchboard.core.store;

import dev.switchboard.core.id.EventId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The {@link MessageMap} on the {@code message_map} table: records are group-committed (a busy room's rows share a
 * commit instead of paying one each; at 200 messages/s one commit per row backed the blocking executor up behind
 * the database's single writer), reads go straight to the store.
 */
public final class StoredMessageMap implements MessageMap {
  private static final int MAX_BATCH = 500;

  private final MessageMapStore store;
  private final GroupCommitter<MessageMapStore.NewMapping> writes;

  /** @param blocking runs the commits (JDBC) */
  public StoredMessageMap(MessageMapStore store, Executor blocking) {
    this.store = store;
    this.writes = new GroupCommitter<>("message map rows", blocking, MAX_BATCH, GroupCommitter.OnFailure.FAIL_BATCH,
        store::putAll);
  }

  @Override
  public CompletableFuture<Void> record(MessageMapStore.NewMapping mapping) {
    return writes.add(mapping);
  }

  @Override
  public CompletableFuture<Void> recordAll(List<MessageMapStore.NewMapping> mappings) {
    return writes.addAll(mappings);
  }

  @Override
  public Optional<MessageMapStore.MessageMapping> byRemote(MessageMapStore.RemoteMessage remote) {
    return store.byRemote(remote);
  }

  @Override
  public List<MessageMapStore.MessageMapping> byEvent(EventId eventId) {
    return store.byEvent(eventId);
  }
}
