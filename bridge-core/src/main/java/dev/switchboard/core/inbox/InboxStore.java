package dev.switchboard.core.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.StatementCache;
import dev.switchboard.core.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The durable inbox: transactions and their events, written in one commit before we acknowledge them.
 *
 * <p>Transactions are keyed by (txn id, SHA-256 of the body): Synapse on SQLite counts txn ids from 1 again after
 * each restart and shares the counter across app services, so an id alone would make us drop new transactions.
 * Events are keyed by {@code event_id}, so an event seen before is never stored or dispatched twice, whatever
 * transaction carries it. The unique index is on {@code (origin_ts, event_id)}, see {@link #originTs}.
 */
public final class InboxStore {
  private final Database database;
  private final Clock clock;
  private final ObjectMapper json;
  private final Object writeLock = new Object();
  /** SQLite: the ingest's statements, kept compiled; used only under {@link #writeLock}. */
  private final StatementCache statements = new StatementCache();
  private long lastSeq;
  private final DoneWatermark watermark;

  public InboxStore(Database database, Clock clock, ObjectMapper json) {
    this.database = database;
    this.clock = clock;
    this.json = json;
    // Never hand out a seq at or under the watermark again, even once pruning has emptied the table.
    this.lastSeq = database.inTransaction(c -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT MAX(m) FROM ("
          + "SELECT MAX(seq) AS m FROM inbox_event UNION ALL SELECT done_through FROM inbox_progress "
          + "UNION ALL SELECT MAX(seq) FROM inbox_done_early) x")) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    });
    this.watermark = new DoneWatermark(database.inTransaction(c -> {
      List<Long> seqs = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT e.seq FROM inbox_event e WHERE " + DoneWatermark.UNDONE)) {
        while (rs.next()) {
          seqs.add(rs.getLong(1));
        }
      }
      return seqs;
    }), lastSeq);
    if (database.dialect() == Database.Dialect.POSTGRESQL) {
      skipInsertVacuum();
    }
  }

  /**
   * PostgreSQL (13+) vacuums a table after every 20 % of growth by inserts alone. On {@code inbox_event}, which is
   * only ever inserted into and later pruned, such a vacuum has nothing to remove: its one effect is to set the
   * hint bits and the all-visible flag of every page written since the last one, i.e. to dirty and write the whole
   * new part of the table again (275 MB in one go after 635,000 events in the ingest benchmark). That burst of
   * writes makes the flush of each acknowledgement's commit wait behind it on the disk: ack stalls of 100-250 ms
   * (see docs/benchmarks.md). The table is still vacuumed after the pruner's deletes and against wraparound.
   * A storage parameter, so it outlives the connection; set once. Older servers lack the parameter: nothing to do.
   */
  private void skipInsertVacuum() {
    try {
      database.inTransaction(c -> {
        try (Statement s = c.createStatement()) {
          try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_class WHERE oid = 'inbox_event'::regclass "
              + "AND 'autovacuum_vacuum_insert_threshold=-1' = ANY (reloptions)")) {
            if (rs.next()) {
              return null; // set by an earlier start; do not queue for the table lock again
            }
          }
          // The ALTER waits for a running vacuum of the table; do not hold the start up for long.
          s.execute("SET LOCAL lock_timeout = '5s'");
          s.execute("ALTER TABLE inbox_event SET (autovacuum_vacuum_insert_threshold = -1)");
        }
        return null;
      });
    } catch (StoreException e) {
      log.info("Could not turn off insert-triggered autovacuum of inbox_event (PostgreSQL before 13, or the table "
          + "busy; tried again at the next start): {}",
          e.getMessage());
    }
  }

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(InboxStore.class);

  /**
   * Stores a transaction. Returns empty if this exact transaction (same id, same body digest) was stored before;
   * otherwise the entries that are new (events already in the inbox are left out), in order.
   */
  public Optional<List<InboxEntry>> ingest(String txnId, String bodySha256, ParsedTransaction txn) {
    // One writer at a time: seq order must equal commit order so dispatch sees events as they were received.
    synchronized (writeLock) {
      long now = clock.millis();
      long[] next = {lastSeq};
      List<ParsedTransaction.Item> items = txn.events();
      Optional<List<InboxEntry>> result;
      if (database.dialect() == Database.Dialect.SQLITE) {
        result = database.inTransaction(c -> ingestCached(c, txnId, bodySha256, now, items, next));
      } else if (!items.isEmpty() && items.size() <= ROWS_PER_STATEMENT) {
        result = database.inAutoCommit(c -> ingestInOneStatement(c, txnId, bodySha256, now, items, next));
      } else {
        result = database.inTransaction(c -> {
          try (PreparedStatement ps = c.prepareStatement(INSERT_TXN)) {
            if (!insertTxn(ps, txnId, bodySha256, now, items.size())) {
              return Optional.empty();
            }
          }
          List<InboxEntry> fresh = new ArrayList<>(items.size());
          for (int from = 0; from < items.size(); from += ROWS_PER_STATEMENT) {
            List<ParsedTransaction.Item> chunk = items.subList(from, Math.min(items.size(), from + ROWS_PER_STATEMENT));
            insertEvents(c, chunk, next, now, fresh);
          }
          return Optional.of(fresh);
        });
      }
      if (result.isPresent()) {
        lastSeq = next[0];
        watermark.added(result.get(), lastSeq);
      }
      return result;
    }
  }

  private static final String INSERT_TXN = "INSERT INTO inbox_txn (txn_id, body_sha256, received_at, event_count) "
      + "VALUES (?, ?, ?, ?) ON CONFLICT (txn_id, body_sha256) DO NOTHING";

  /** Runs {@link #INSERT_TXN} on {@code ps}; whether the transaction record was new. Leaves {@code ps} reset. */
  private static boolean insertTxn(PreparedStatement ps, String txnId, String sha, long now, int count)
      throws SQLException {
    ps.setString(1, txnId);
    ps.setString(2, sha);
    ps.setLong(3, now);
    ps.setInt(4, count);
    return ps.executeUpdate() == 1;
  }

  /**
   * SQLite: the transaction record and the events, with statements kept compiled ({@link StatementCache}). The
   * events go in multi-row INSERTs of a power of two rows, at most {@link #SQLITE_MAX_ROWS} (100 events: 64, 32 and
   * 4), so that seven statements serve every size. One row per statement would compile nothing either, but costs
   * more in calls into the driver than it saves. A kept statement is left reset: its result set read to the end and
   * closed.
   */
  private Optional<List<InboxEntry>> ingestCached(Connection c, String txnId, String sha, long now,
      List<ParsedTransaction.Item> items, long[] next) throws SQLException {
    if (!insertTxn(statements.prepare(c, INSERT_TXN), txnId, sha, now, items.size())) {
      return Optional.empty();
    }
    List<InboxEntry> fresh = new ArrayList<>(items.size());
    for (int from = 0; from < items.size(); ) {
      int rows = Math.min(SQLITE_MAX_ROWS, Integer.highestOneBit(items.size() - from));
      PreparedStatement ps = statements.prepare(c, SQLITE_INSERTS[Integer.numberOfTrailingZeros(rows)]);
      List<InboxEntry> candidates = bindEvents(ps, 1, items.subList(from, from + rows), next, now);
      try (ResultSet rs = ps.executeQuery()) {
        keepInserted(rs, candidates, fresh);
      }
      from += rows;
    }
    return Optional.of(fresh);
  }

  /** SQLite: the most rows per kept INSERT; a power of two. */
  private static final int SQLITE_MAX_ROWS = 64;
  /** SQLite: the kept INSERTs' text, of 1, 2, 4, ... {@link #SQLITE_MAX_ROWS} rows. */
  private static final String[] SQLITE_INSERTS = java.util.stream.IntStream
      .rangeClosed(0, Integer.numberOfTrailingZeros(SQLITE_MAX_ROWS)).mapToObj(k -> insertEventsSql(1 << k))
      .toArray(String[]::new);

  private static final String EVENT_ROW = "(?, ?, ?, ?, ?, ?, ?)";

  /**
   * One multi-row INSERT per chunk, one round trip: {@code RETURNING} tells which rows were new (an event id
   * already in the inbox is skipped by {@code ON CONFLICT DO NOTHING}). PostgreSQL, for a transaction of more events
   * than one statement takes.
   */
  private void insertEvents(Connection c, List<ParsedTransaction.Item> chunk, long[] next, long now,
      List<InboxEntry> fresh) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(insertEventsSql(chunk.size()))) {
      List<InboxEntry> candidates = bindEvents(ps, 1, chunk, next, now);
      try (ResultSet rs = ps.executeQuery()) {
        keepInserted(rs, candidates, fresh);
      }
    }
  }

  /**
   * PostgreSQL, auto-commit: the transaction record and its events in one statement, so one round trip and one
   * flush per acknowledgement. The events are inserted only if the transaction record is new; the result holds a row {@code 0} for a new transaction (seqs start at 1) and the seq of
   * each new event, and nothing for a retry.
   */
  private Optional<List<InboxEntry>> ingestInOneStatement(Connection c, String txnId, String sha, long now,
      List<ParsedTransaction.Item> items, long[] next) throws SQLException {
    String sql = "WITH txn AS (INSERT INTO inbox_txn (txn_id, body_sha256, received_at, event_count) "
        + "VALUES (?, ?, ?, ?) ON CONFLICT (txn_id, body_sha256) DO NOTHING RETURNING 0::bigint AS seq), "
        + "event AS (INSERT INTO inbox_event (seq, event_id, origin_ts, room_id, kind, body, received_at) "
        + "SELECT * FROM (VALUES " + rows(items.size()) + ") AS v WHERE EXISTS (SELECT 1 FROM txn) "
        + "ON CONFLICT DO NOTHING RETURNING seq) "
        + "SELECT seq FROM txn UNION ALL SELECT seq FROM event";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, txnId);
      ps.setString(2, sha);
      ps.setLong(3, now);
      ps.setInt(4, items.size());
      List<InboxEntry> candidates = bindEvents(ps, 5, items, next, now);
      List<InboxEntry> fresh = new ArrayList<>(items.size());
      try (ResultSet rs = ps.executeQuery()) {
        if (!keepInserted(rs, candidates, fresh)) {
          return Optional.empty(); // no row, not even the transaction's: a retry of a stored transaction
        }
      }
      return Optional.of(fresh);
    }
  }

  /** The multi-row INSERT of {@code rows} events, returning the seqs of those that were new. */
  private static String insertEventsSql(int rows) {
    return "INSERT INTO inbox_event (seq, event_id, origin_ts, room_id, kind, body, received_at) VALUES "
        + rows(rows) + " ON CONFLICT DO NOTHING RETURNING seq";
  }

  private static String rows(int count) {
    StringBuilder sb = new StringBuilder(count * (EVENT_ROW.length() + 2));
    for (int i = 0; i < count; i++) {
      sb.append(i == 0 ? "" : ", ").append(EVENT_ROW);
    }
    return sb.toString();
  }

  /** Binds one {@link #EVENT_ROW} per item from parameter {@code first} on; returns the entries they would become. */
  private static List<InboxEntry> bindEvents(PreparedStatement ps, int first, List<ParsedTransaction.Item> items,
      long[] next, long now) throws SQLException {
    List<InboxEntry> entries = new ArrayList<>(items.size());
    int p = first;
    for (ParsedTransaction.Item item : items) {
      long seq = ++next[0];
      ps.setLong(p++, seq);
      ps.setString(p++, item.eventId());
      ps.setLong(p++, item.fields().originTs());
      ps.setString(p++, item.roomId());
      ps.setString(p++, item.kind().column());
      ps.setString(p++, item.rawJson());
      ps.setLong(p++, now);
      entries.add(new InboxEntry(seq, item.kind(), item.roomId(), item.json()));
    }
    return entries;
  }

  /**
   * Adds to {@code fresh}, in order, the candidates whose seq the result lists (the rows actually inserted).
   * Returns whether the result had any row at all.
   */
  private static boolean keepInserted(ResultSet rs, List<InboxEntry> candidates, List<InboxEntry> fresh)
      throws SQLException {
    java.util.Set<Long> inserted = new java.util.HashSet<>();
    boolean any = false;
    while (rs.next()) {
      any = true;
      inserted.add(rs.getLong(1));
    }
    for (InboxEntry e : candidates) {
      if (inserted.contains(e.seq())) {
        fresh.add(e);
      }
    }
    return any;
  }

  /**
   * The first part of an event's de-duplication key: its {@code origin_server_ts} when that is an integer, else 0.
   * Event ids are hashes, so an index on them alone takes each new event at a random place: with a month of ids
   * kept, every event of a transaction dirtied its own index page, which the acknowledgement's commit then wrote
   * (SQLite: one 4 KiB WAL frame per page; PostgreSQL: a full-page image after each checkpoint) and which crowded
   * the cache. Live events arrive in about timestamp order, so {@code (origin_ts, event_id)} grows at its end like
   * the other indexes. A repeat of an event is the same JSON, so it has the same key: de-duplication is unchanged.
   * Migration V5 fills the column of stored events with this same function.
   */
  public static long originTs(JsonNode event) {
    JsonNode ts = event == null ? null : event.get("origin_server_ts");
    return ts != null && ts.isIntegralNumber() && ts.canConvertToLong() ? ts.asLong() : 0L;
  }

  /** PostgreSQL: rows per multi-row INSERT; keeps the bound parameters far below the protocol's limit (65,535). */
  private static final int ROWS_PER_STATEMENT = 200;

  /** Entries not yet done, in order: what a restart must dispatch again. */
  public List<InboxEntry> pending() {
    return database.inTransaction(c -> {
      List<InboxEntry> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT e.seq, e.kind, e.room_id, e.body FROM inbox_event e WHERE " + DoneWatermark.UNDONE
              + " ORDER BY e.seq")) {
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new InboxEntry(rs.getLong(1), InboxEntry.Kind.fromColumn(rs.getString(2)), rs.getString(3),
                LazyEvent.of(parse(rs.getString(4)))));
          }
        }
      }
      return out;
    });
  }

  private JsonNode parse(String body) {
    try {
      return json.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new StoreException("inbox row holds invalid JSON: " + e.getOriginalMessage());
    }
  }

  /** Marks entries done ({@link DoneWatermark}) in one commit (not flushed to disk at once). */
  public void markDone(Collection<Long> seqs) {
    markProgress(seqs, List.of(), List.of());
  }

  /** One link (a dispatch target) accepted an entry of a room with several targets. */
  public record LinkMark(long seq, String target) {}

  /**
   * Records dispatch progress in one commit (not flushed to disk at once): entries done, the per-link rows of done
   * entries that had some ({@code clearLinksOf}), and links that accepted an entry others have not yet.
   */
  public void markProgress(Collection<Long> done, Collection<Long> clearLinksOf, Collection<LinkMark> linkMarks) {
    if (done.isEmpty() && linkMarks.isEmpty()) {
      return;
    }
    // Relaxed: a done mark lost to a power failure only makes its entry run again, which connectors tolerate.
    database.inRelaxedTransaction(c -> {
      List<LinkMark> marks = List.copyOf(linkMarks);
      for (int from = 0; from < marks.size(); from += 128) {
        List<LinkMark> chunk = marks.subList(from, Math.min(marks.size(), from + 128));
        String rows = String.join(", ", java.util.Collections.nCopies(chunk.size(), "(?, ?)"));
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO inbox_link_done (seq, target) VALUES " + rows + " ON CONFLICT DO NOTHING")) {
          int p = 1;
          for (LinkMark m : chunk) {
            ps.setLong(p++, m.seq());
            ps.setString(p++, m.target());
          }
          ps.executeUpdate();
        }
      }
      watermark.markDone(c, done);
      updateBySeq(c, List.copyOf(clearLinksOf), n -> "DELETE FROM inbox_link_done WHERE seq IN ("
          + String.join(", ", java.util.Collections.nCopies(n, "?")) + ")");
      return null;
    });
  }

  /**
   * Runs a statement over {@code all} in chunks of 128 seqs: {@code sql} gives the statement for a chunk of that
   * many, each seq bound in order to one parameter.
   */
  static void updateBySeq(Connection c, List<Long> all, java.util.function.IntFunction<String> sql)
      throws SQLException {
    for (int from = 0; from < all.size(); from += 128) {
      List<Long> chunk = all.subList(from, Math.min(all.size(), from + 128));
      try (PreparedStatement ps = c.prepareStatement(sql.apply(chunk.size()))) {
        int p = 1;
        for (Long seq : chunk) {
          ps.setLong(p++, seq);
        }
        ps.executeUpdate();
      }
    }
  }

  /** For each undone entry that some of its links already accepted: those links' targets. Read at start. */
  public java.util.Map<Long, java.util.Set<String>> acceptedTargets() {
    return database.inTransaction(c -> {
      java.util.Map<Long, java.util.Set<String>> out = new java.util.HashMap<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT l.seq, l.target FROM inbox_link_done l "
              + "JOIN inbox_event e ON e.seq = l.seq WHERE " + DoneWatermark.UNDONE)) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getLong(1), k -> new java.util.HashSet<>()).add(rs.getString(2));
        }
      }
      return out;
    });
  }

  /**
   * Forgets transaction records received before {@code txnCutoff} and done events received before
   * {@code eventCutoff}. Returns {transactions removed, events removed}.
   *
   * <p>Events go in batches of {@link #PRUNE_BATCH} sequence numbers, oldest first, each batch its own short commit:
   * one {@code DELETE … WHERE received_at < ?} over the whole table was a full scan of a month of events inside one
   * transaction, which on SQLite held every acknowledgement off for as long as it took, once an hour. Sequence
   * numbers are handed out in arrival order, so the walk stops at the first event received at or after the cutoff;
   * an undone event older than that stays, and the next batch begins past it.
   */
  public long[] prune(long txnCutoff, long eventCutoff) {
    return prune(txnCutoff, eventCutoff, PRUNE_BATCH);
  }

  long[] prune(long txnCutoff, long eventCutoff, int batch) {
    long txns = database.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM inbox_txn WHERE received_at < ?")) {
        ps.setLong(1, txnCutoff);
        return (long) ps.executeUpdate();
      }
    });
    long events = 0;
    Long from = database.inTransaction(c -> firstSeqFrom(c, Long.MIN_VALUE, eventCutoff));
    while (from != null) {
      long start = from;
      long[] step = database.inTransaction(c -> {
        long removed;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM inbox_event WHERE seq >= ? AND seq < ? "
            + "AND received_at < ? AND " + DoneWatermark.done("inbox_event.seq"))) {
          ps.setLong(1, start);
          ps.setLong(2, start + batch);
          ps.setLong(3, eventCutoff);
          removed = ps.executeUpdate();
        }
        Long next = firstSeqFrom(c, start + batch, eventCutoff);
        return new long[] {removed, next == null ? Long.MIN_VALUE : next};
      });
      events += step[0];
      from = step[1] == Long.MIN_VALUE ? null : step[1];
    }
    database.inTransaction(c -> {
      try (Statement s = c.createStatement()) {
        // Rows whose entry is done were deleted with its done mark unless that commit was lost; these are strays.
        return s.executeUpdate("DELETE FROM inbox_link_done WHERE " + DoneWatermark.done("inbox_link_done.seq"));
      }
    });
    return new long[] {txns, events};
  }

  /** Sequence numbers per pruning commit. */
  static final int PRUNE_BATCH = 5_000;

  /**
   * The first event at or after {@code seq}, if it was received before {@code cutoff}; null when there is none or
   * it is newer (then so is everything after it). Two primary-key lookups.
   */
  private static Long firstSeqFrom(Connection c, long seq, long cutoff) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT seq, received_at FROM inbox_event "
        + "WHERE seq = (SELECT MIN(seq) FROM inbox_event WHERE seq >= ?)")) {
      ps.setLong(1, seq);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getLong(2) < cutoff ? rs.getLong(1) : null;
      }
    }
  }

  /**
   * The undone entries: how many, and when the oldest was received (epoch ms; empty when there is none). For
   * metrics and health; counted from the undone seqs kept in memory ({@link DoneWatermark}), so a scrape costs one
   * primary-key read however long an entry has been held.
   */
  public record Pending(long count, Optional<Long> oldestReceivedAt) {}

  public Pending pendingSummary() {
    long count = watermark.count();
    Optional<Long> oldest = watermark.oldest();
    if (count == 0 || oldest.isEmpty()) {
      return new Pending(0, Optional.empty());
    }
    return database.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT received_at FROM inbox_event WHERE seq = ?")) {
        ps.setLong(1, oldest.get());
        try (ResultSet rs = ps.executeQuery()) {
          return new Pending(count, rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty());
        }
      }
    });
  }

  /** Number of entries not yet done (for metrics and tests). */
  public long depth() {
    return watermark.count();
  }
}
