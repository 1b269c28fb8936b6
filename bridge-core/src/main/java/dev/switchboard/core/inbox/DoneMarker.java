package dev.switchboard.core.inbox;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks inbox entries done with group commit: marks from all rooms that arrive together share one database
 * commit. A room's next entry waits for its predecessor's mark, so after a crash exactly the entries whose
 * connector had not accepted them run again.
 */
final class DoneMarker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DoneMarker.class);

  private record Mark(long seq, CompletableFuture<Void> written) {}

  private final InboxStore store;
  private final BlockingQueue<Mark> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private volatile boolean running = true;

  DoneMarker(InboxStore store) {
    this.store = store;
    this.writer = new Thread(this::loop, "inbox-done");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  CompletableFuture<Void> mark(long seq) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    queue.add(new Mark(seq, f));
    return f;
  }

  private void loop() {
    List<Mark> batch = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      try {
        Mark first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        // Small batches: an acknowledgement waiting for the write lock waits for at most one of them.
        queue.drainTo(batch, 127);
        writeWithRetry(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        batch.clear();
      }
    }
  }

  private void writeWithRetry(List<Mark> batch) throws InterruptedException {
    List<Long> seqs = batch.stream().map(Mark::seq).toList();
    long delay = 100;
    while (true) {
      try {
        store.markDone(seqs);
        batch.forEach(m -> m.written().complete(null));
        return;
      } catch (RuntimeException e) {
        if (!running) {
          batch.forEach(m -> m.written().completeExceptionally(e));
          return;
        }
        // The entries stay undone in the store; the rooms wait rather than run ahead of their records.
        log.warn("Cannot mark {} inbox entries done, retrying in {} ms: {}", seqs.size(), delay, e.getMessage());
        Thread.sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
