package dev.switchboard.xmpp.muc;

import dev.switchboard.core.store.MessageMapStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for message-map rows: writes queued while one transaction runs go together in the next, so a busy MUC
 * costs a commit per batch instead of one per row (at 200 messages/s, one commit per row backed up the blocking
 * executor behind the database's single writer). One drainer at a time, on the blocking executor.
 */
final class MessageMapWriter {
  private static final Logger log = LoggerFactory.getLogger(MessageMapWriter.class);
  private static final int MAX_BATCH = 500;

  private record Pending(MessageMapStore.NewMapping mapping, CompletableFuture<Void> done) {}

  private final MessageMapStore store;
  private final Executor blocking;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  MessageMapWriter(MessageMapStore store, Executor blocking) {
    this.store = store;
    this.blocking = blocking;
  }

  /** Queues the rows; completes once they are committed (or fails with the store's error). */
  CompletableFuture<Void> put(List<MessageMapStore.NewMapping> mappings) {
    CompletableFuture<Void> all = CompletableFuture.allOf(mappings.stream().map(m -> {
      Pending p = new Pending(m, new CompletableFuture<>());
      queue.add(p);
      return p.done();
    }).toArray(CompletableFuture[]::new));
    startDrain();
    return all;
  }

  private void startDrain() {
    if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
      try {
        blocking.execute(this::drain);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        draining.set(false);
        log.debug("Message map writes dropped at shutdown");
      }
    }
  }

  private void drain() {
    try {
      while (true) {
        List<Pending> batch = new ArrayList<>();
        Pending p;
        while (batch.size() < MAX_BATCH && (p = queue.poll()) != null) {
          batch.add(p);
        }
        if (batch.isEmpty()) {
          return;
        }
        try {
          store.putAll(batch.stream().map(Pending::mapping).toList());
          batch.forEach(b -> b.done().complete(null));
        } catch (RuntimeException e) {
          log.warn("Could not record {} message-map row(s): {}", batch.size(), e.toString());
          batch.forEach(b -> b.done().completeExceptionally(e));
        }
      }
    } finally {
      draining.set(false);
      startDrain(); // rows added after the last poll but before the flag was cleared
    }
  }
}
