package dev.switchboard.core.inbox;

import dev.switchboard.core.store.GroupCommitter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Records dispatch progress with group commit ({@link GroupCommitter}): marks from all rooms and links that arrive
 * together share one database commit. Marks commit strictly in the order they were queued (one batch after another, a failed batch
 * retried before any later one), so each link's recorded entries are always a prefix of what it accepted: after a
 * crash exactly the (entry, link) pairs whose record had not yet committed run again, in order. A link goes on to
 * its next entry once its mark is queued ({@link #paced}); only when more than {@link #MAX_QUEUED} marks wait does
 * it wait for its own to commit, which bounds both the queue and what a crash can make run again.
 *
 * <p>Two kinds of mark: an entry done (every target accepted it; also clears its per-link rows if it had any), and
 * one link of a multi-link entry done ({@code inbox_link_done}). Single-link entries only ever get the first.
 */
final class DoneMarker implements AutoCloseable {
  /** An entry done ({@code target == null}, {@code hadLinkRows} says whether to clear them) or one link done. */
  private record Mark(long seq, String target, boolean hadLinkRows) {}

  /** Marks queued or being written beyond which lanes wait for their own mark's commit. */
  static final int MAX_QUEUED = 4096;
  /**
   * Marks per commit. Since the watermark (migration V9) a batch is one small update whatever its size (plus a row
   * per entry done out of order), so an acknowledgement waiting for the write lock waits for little either way.
   */
  private static final int MAX_BATCH = 2048;

  private final InboxStore store;
  /** Its own thread: a retry's back-off (while the store refuses writes) must not hold a dispatch worker. */
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "inbox-done");
    t.setDaemon(true);
    return t;
  });
  /** In order, a failed batch retried before any later one: the entries stay undone in the store meanwhile. */
  private final GroupCommitter<Mark> marks;

  DoneMarker(InboxStore store) {
    this.store = store;
    this.marks = new GroupCommitter<>("inbox dispatch progress marks", thread, MAX_BATCH,
        GroupCommitter.OnFailure.RETRY_IN_ORDER, this::write);
  }

  /** Marks an entry done. */
  CompletableFuture<Void> mark(long seq) {
    return mark(seq, false);
  }

  /** Marks an entry done; {@code hadLinkRows} when some of its links were marked with {@link #markLink}. */
  CompletableFuture<Void> mark(long seq, boolean hadLinkRows) {
    return marks.add(new Mark(seq, null, hadLinkRows));
  }

  /** Records that one target of a multi-target entry accepted it. */
  CompletableFuture<Void> markLink(long seq, String target) {
    return marks.add(new Mark(seq, target, false));
  }

  /**
   * What a lane waits for after queueing {@code written}: nothing while the recorder keeps up, the commit itself
   * when more than {@link #MAX_QUEUED} marks wait (back-pressure; also while the store refuses writes).
   */
  CompletableFuture<Void> paced(CompletableFuture<Void> written) {
    return marks.unwritten() > MAX_QUEUED ? written : CompletableFuture.completedFuture(null);
  }

  private void write(List<Mark> batch) {
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
    store.markProgress(done, clear, links);
  }

  /** Writes what is queued once more (no more retries) for at most 5 s, then stops the thread. */
  @Override
  public void close() {
    marks.close();
    thread.shutdown();
  }
}
