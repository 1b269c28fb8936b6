package dev.switchboard.core.inbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Which inbox entries are done: every seq up to a watermark ({@code inbox_progress.done_through}), and above it the
 * seqs in {@code inbox_done_early} (entries done while an older one was still undone, e.g. held for a link that is
 * down). Migration V9 says why this replaced a row per undone entry: the acknowledgement's commit writes nothing for
 * it, and marking entries done touches one row plus the out-of-order ones.
 *
 * <p>The watermark can only pass entries known to be done, so the undone seqs are kept here in memory: those read
 * at start, and each transaction's new entries once their commit is done ({@link #added}). The watermark is the seq
 * before the oldest undone entry, or the highest seq handed out when none is undone.
 */
final class DoneWatermark {
  private final TreeSet<Long> undone = new TreeSet<>();
  private long highest;

  /**
   * @param undone the undone entries' seqs, as stored
   * @param highest the highest seq handed out so far
   */
  DoneWatermark(Collection<Long> undone, long highest) {
    this.undone.addAll(undone);
    this.highest = highest;
  }

  /** New entries whose commit is done, and the highest seq that commit handed out (skipped repeats included). */
  synchronized void added(List<InboxEntry> fresh, long highestSeq) {
    for (InboxEntry e : fresh) {
      undone.add(e.seq());
    }
    highest = Math.max(highest, highestSeq);
  }

  /**
   * Records {@code done} as done, in the caller's transaction: moves the watermark as far as the oldest entry still
   * undone allows, stores the done seqs above it as exceptions, and drops the exceptions it passed. Safe to repeat
   * (a retried commit): a seq marked twice is just done.
   */
  void markDone(Connection c, Collection<Long> done) throws SQLException {
    long newThrough;
    List<Long> early;
    synchronized (this) {
      for (Long seq : done) {
        undone.remove(seq); // not removeAll: with a list argument that is a scan of the list per undone entry
      }
      newThrough = undone.isEmpty() ? highest : undone.first() - 1;
      long bound = newThrough;
      early = done.stream().filter(seq -> seq > bound).toList();
    }
    long oldThrough = storedThrough(c);
    if (newThrough > oldThrough) {
      try (PreparedStatement ps = c.prepareStatement("UPDATE inbox_progress SET done_through = ? WHERE id = 1")) {
        ps.setLong(1, newThrough);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM inbox_done_early WHERE seq <= ?")) {
        ps.setLong(1, newThrough);
        ps.executeUpdate();
      }
    }
    InboxStore.updateBySeq(c, early, n -> "INSERT INTO inbox_done_early (seq) VALUES "
        + String.join(", ", java.util.Collections.nCopies(n, "(?)")) + " ON CONFLICT DO NOTHING");
  }

  private static long storedThrough(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT done_through FROM inbox_progress WHERE id = 1");
        var rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : Long.MIN_VALUE;
    }
  }

  /** How many entries are undone (known to this process: stored, not yet marked done). */
  synchronized long count() {
    return undone.size();
  }

  /** The oldest undone entry's seq; empty when none. */
  synchronized Optional<Long> oldest() {
    return undone.isEmpty() ? Optional.empty() : Optional.of(undone.first());
  }

  /** SQL: whether the {@code inbox_event} row aliased {@code e} is undone, as stored. */
  static final String UNDONE = "e.seq > (SELECT done_through FROM inbox_progress WHERE id = 1) "
      + "AND NOT EXISTS (SELECT 1 FROM inbox_done_early d WHERE d.seq = e.seq)";

  /** SQL: whether seq column {@code column} is done, as stored. */
  static String done(String column) {
    return "(" + column + " <= (SELECT done_through FROM inbox_progress WHERE id = 1) "
        + "OR EXISTS (SELECT 1 FROM inbox_done_early d WHERE d.seq = " + column + "))";
  }
}
