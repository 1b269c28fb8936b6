package dev.switchboard.core.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.LongFunction;

/**
 * What the disk allows, measured in the same run as the bridge: the same 100-event transactions committed straight
 * to a fresh SQLite file (WAL, {@code synchronous=FULL}, SQLite's own automatic checkpoints) through the same JDBC
 * driver, one multi-row INSERT into a table shaped like {@code inbox_event} (same columns, same unique
 * {@code (origin_ts, event_id)} key) and a COMMIT per transaction. No HTTP, no parsing, no transaction record, no
 * dispatch: the floor under the bridge's ack latency and the ceiling over its rate on this machine at this moment.
 * The time is that of the INSERT and COMMIT only (the rows are built before each transaction's clock starts).
 * Paced ({@code intervalNanos > 0}): each transaction starts on a fixed schedule and its latency counts from its
 * scheduled start, as the bridge's paced phase counts it.
 */
final class RawSqliteReference {
  /** One event as the inbox stores it. */
  record Event(String eventId, long originTs, String roomId, String json) {}

  /** Rate and commit latency of one raw run. */
  record Result(int txns, double eventsPerSecond, double p50Ms, double p99Ms, double maxMs, String slowWindows) {
    String describe() {
      return String.format(Locale.ROOT, "%d txns, %.0f events/s; commit p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
          + "slow 100 ms (a commit over 50 ms):%s", txns, eventsPerSecond, p50Ms, p99Ms, maxMs, slowWindows);
    }
  }

  private RawSqliteReference() {}

  /**
   * Commits {@code txns} transactions of {@code eventsPerTxn} events, numbered from {@code firstEvent}, back to
   * back ({@code intervalNanos == 0}) or one every {@code intervalNanos}.
   */
  static Result run(int txns, int eventsPerTxn, long firstEvent, LongFunction<Event> events, long intervalNanos)
      throws Exception {
    Path dir = Files.createTempDirectory("ingest-raw");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("raw.db"))) {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode = WAL");
        s.execute("PRAGMA synchronous = FULL");
        s.execute("CREATE TABLE inbox_event (seq BIGINT NOT NULL PRIMARY KEY, event_id TEXT, room_id TEXT, "
            + "kind TEXT NOT NULL, body TEXT NOT NULL, received_at BIGINT NOT NULL, "
            + "origin_ts BIGINT NOT NULL DEFAULT 0)");
        s.execute("CREATE UNIQUE INDEX inbox_event_key ON inbox_event (origin_ts, event_id)");
      }
      c.setAutoCommit(false);
      String sql = "INSERT INTO inbox_event (seq, event_id, origin_ts, room_id, kind, body, received_at) VALUES "
          + String.join(", ", java.util.Collections.nCopies(eventsPerTxn, "(?, ?, ?, ?, ?, ?, ?)"));
      long[] latencies = new long[txns];
      long[] began = new long[txns];
      long total = 0;
      long n = firstEvent;
      long start = System.nanoTime() + 10_000_000L;
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (int t = 0; t < txns; t++) {
          Event[] batch = new Event[eventsPerTxn];
          for (int i = 0; i < eventsPerTxn; i++) {
            batch[i] = events.apply(n + i);
          }
          long t0 = System.nanoTime();
          if (intervalNanos > 0) {
            t0 = start + t * intervalNanos;
            IngestBenchmark.waitUntil(t0);
          }
          bind(ps, batch, n, System.currentTimeMillis());
          ps.executeUpdate();
          c.commit();
          latencies[t] = System.nanoTime() - t0;
          began[t] = t0;
          total += latencies[t];
          n += eventsPerTxn;
        }
      }
      String slow = Stalls.slowWindows(latencies, began, start, 50);
      Arrays.sort(latencies);
      double seconds = intervalNanos > 0 ? (System.nanoTime() - start) / 1e9 : total / 1e9;
      return new Result(txns, txns * eventsPerTxn / seconds, latencies[txns / 2] / 1e6,
          latencies[(int) (txns * 0.99)] / 1e6, latencies[txns - 1] / 1e6, slow);
    } finally {
      IngestBenchmark.deleteRecursively(dir);
    }
  }

  private static void bind(PreparedStatement ps, Event[] batch, long firstSeq, long now) throws SQLException {
    int p = 1;
    long seq = firstSeq;
    for (Event e : batch) {
      ps.setLong(p++, seq++);
      ps.setString(p++, e.eventId());
      ps.setLong(p++, e.originTs());
      ps.setString(p++, e.roomId());
      ps.setString(p++, "pdu");
      ps.setString(p++, e.json());
      ps.setLong(p++, now);
    }
  }
}
