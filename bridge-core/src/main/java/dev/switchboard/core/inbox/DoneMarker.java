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
 * Records dispatch progress with group commit: marks from all rooms and links that arrive together share one
 * database commit. Marks commit strictly in the order they were queued (one batch after another, a failed batch
 * retried before any later one), so each link's recorded entries are always a prefix of what it accepted: after a
 * crash exactly the (entry, link) pairs whose record had not yet committed run again, in order. A link goes on to
 * its next entry once its mark is queued ({@link #paced}); only when more than {@link #MAX_QUEUED} marks wait does
 * it wait for its own to commit, which bounds both the queue and what a crash can make run again.
 *
 * <p>Two kinds of mark: an entry done (every target accepted it; also clears its per-link rows if it had any), and
 * one link of a multi-link entry done ({@code inbox_link_done}). Single-link entries only ever get the first.
 */
final class DoneMarker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DoneMarker.class);

  /** An entry done ({@code target == null}, {@code hadLinkRows} says whether to clear them) or one link done. */
  private record Mark(long seq, String target, boolean hadLinkRows, CompletableFuture<Void> written) {}

  /** Marks queued or being written beyond which lanes wait for their own mark's commit. */
  static final int MAX_QUEUED = 4096;

  private final InboxStore store;
  private final BlockingQueue<Mark> queue = new LinkedBlockingQueue<>();
  /** Marks queued or in the batch being written. */
  private final java.util.concurrent.atomic.AtomicInteger unwritten = new java.util.concurrent.atomic.AtomicInteger();
  private final Thread writer;
  private volatile boolean running = true;

  DoneMarker(InboxStore store) {
    this.store = store;
    this.writer = new Thread(this::loop, "inbox-done");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /** Marks an entry done. */
  CompletableFuture<Void> mark(long seq) {
    return mark(seq, false);
  }

  /** Marks an entry done; {@code hadLinkRows} when some of its links were marked with {@link #markLink}. */
  CompletableFuture<Void> mark(long seq, boolean hadLinkRows) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    unwritten.incrementAndGet();
    queue.add(new Mark(seq, null, hadLinkRows, f));
    return f;
  }

  /** Records that one target of a multi-target entry accepted it. */
  CompletableFuture<Void> markLink(long seq, String target) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    unwritten.incrementAndGet();
    queue.add(new Mark(seq, target, false, f));
    return f;
  }

  /**
   * What a lane waits for after queueing {@code written}: nothing while the recorder keeps up, the commit itself
   * when more than {@link #MAX_QUEUED} marks wait (back-pressure; also while the store refuses writes).
   */
  CompletableFuture<Void> paced(CompletableFuture<Void> written) {
    return unwritten.get() > MAX_QUEUED ? written : CompletableFuture.completedFuture(null);
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
    List<Long> done = new ArrayList<>();
    List<Long> clear = new ArrayList<>();
    List<InboxStore.LinkMark> links = new ArrayList<>();
    for (Mark m : batch) {
      if (m.target() != null) {
        links.add(new InboxStore.LinkMark(m.seq(), m.target()));
      } else {
        done.add(m.seq());
        if (m.hadLinkRows()) {
          clear.add(m.seq());
        }
      }
    }
    long delay = 100;
    while (true) {
      try {
        store.markProgress(done, clear, links);
        unwritten.addAndGet(-batch.size());
        batch.forEach(m -> m.written().complete(null));
        return;
      } catch (RuntimeException e) {
        if (!running) {
          unwritten.addAndGet(-batch.size());
          batch.forEach(m -> m.written().completeExceptionally(e));
          return;
        }
        // The entries stay undone in the store; the links wait rather than run ahead of their records.
        log.warn("Cannot record dispatch progress of {} inbox entries, retrying in {} ms: {}", batch.size(), delay,
            e.getMessage());
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
