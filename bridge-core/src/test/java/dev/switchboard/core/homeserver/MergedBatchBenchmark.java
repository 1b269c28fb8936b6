package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.Database;
import dev.switchboard.testkit.postgres.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The durable commit a merged batch waits for before it is sent ({@link MergedBatches#group}): full batches of
 * {@value #LINES} lines of {@value #LINE_CHARS} characters of random words (15.6 KB of text, under the 16 KiB cap),
 * the head's row rewritten, the other rows deleted, the lines' txn ids stored. The reference, in the same run and
 * interleaved batch by batch: the same transaction with the lines' txn ids stored as migration V7 stored them (the
 * whole merged request in each line's row, table shaped as V7's). Prints the bytes each layout stores per batch, the
 * commit time p50/p99, and on PostgreSQL (a durable server of its own) the WAL bytes per commit. Not a timed test.
 * Run (see docs/benchmarks.md): {@code ./mvnw -B -q -o -pl bridge-core -am verify -Dswitchboard.bench=true
 * -Dtest=MergedBatchBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "switchboard.bench", matches = "true")
class MergedBatchBenchmark {
  private static final int LINES = CoalescedLines.MAX_LINES;
  private static final int LINE_CHARS = 780;
  private static final int BATCHES = Integer.getInteger("switchboard.bench.batches", 300);
  private static final int WARMUP = 50;
  private static final UserId GHOST = UserId.of("@_irc_bench:test.local");
  private static final RoomId ROOM = RoomId.of("!bench:test.local");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void sqlite() throws Exception {
    Path dir = Files.createTempDirectory("merged-bench");
    try (Database db = Database.open("jdbc:sqlite:" + dir.resolve("bench.db"), "", "", List.of())) {
      run("SQLite (synchronous=FULL)", db, false);
    } finally {
      try (var files = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Test
  void postgresql() throws Exception {
    try (PostgresServer pg = PostgresServer.startDurable();
        Database db = Database.open(pg.createDatabase(), pg.user(), "", List.of())) {
      run("PostgreSQL (fsync on)", db, true);
    }
  }

  private record Sample(long nanos, long walBytes) {}

  private static void run(String label, Database db, boolean wal) throws Exception {
    db.inTransaction(c -> {
      try (Statement s = c.createStatement()) {
        // V7's table, as the reference writes it.
        s.execute("CREATE TABLE bench_v7_merged_txn (txn_id TEXT NOT NULL PRIMARY KEY, request TEXT NOT NULL, "
            + "created_at BIGINT NOT NULL)");
        s.execute("CREATE INDEX bench_v7_merged_txn_created ON bench_v7_merged_txn (created_at)");
      }
      return null;
    });
    ExecutorService dbExecutor = Executors.newSingleThreadExecutor();
    try {
      MergedTxnIds ids = db.inTransaction(c -> MergedTxnIds.load(c, System.currentTimeMillis()));
      MergedBatches batches = new MergedBatches(db, dbExecutor, Clock.systemUTC(), ids);
      List<Sample> v7 = new ArrayList<>();
      List<Sample> v8 = new ArrayList<>();
      long seq = 0;
      SplittableRandom random = new SplittableRandom(19);
      String load0 = OutboundQueueBenchmark.loadAverage();
      for (int b = 0; b < WARMUP + BATCHES; b++) {
        for (boolean reference : new boolean[] {b % 2 == 0, b % 2 != 0}) {
          List<OutboundRequest.SendEvent> lines = new ArrayList<>();
          List<Long> seqs = new ArrayList<>();
          for (int i = 0; i < LINES; i++) {
            lines.add(new OutboundRequest.SendEvent(GHOST, ROOM, "m.room.message",
                JsonNodeFactory.instance.objectNode().put("msgtype", "m.text")
                    .put("body", String.format(Locale.ROOT, "%06d-%02d %s", b, i, text(random, LINE_CHARS - 10))),
                TransactionIds.derive(GHOST, ROOM, "send", (reference ? "ref-" : "new-") + b + "-" + i), null));
            seqs.add(++seq);
          }
          queue(db, seqs, lines);
          long lsn = wal ? walPosition(db) : 0;
          long t0 = System.nanoTime();
          if (reference) {
            CompletableFuture.runAsync(() -> groupAsV7(db, seqs, lines), dbExecutor).get(30, TimeUnit.SECONDS);
          } else {
            batches.group(seqs.get(0), seqs.subList(1, LINES), lines).get(30, TimeUnit.SECONDS);
          }
          Sample sample = new Sample(System.nanoTime() - t0, wal ? walPosition(db) - lsn : 0);
          if (b >= WARMUP) {
            (reference ? v7 : v8).add(sample);
          }
          db.inTransaction(c -> {
            OutboundQueue.deleteRows(c, List.of(seqs.get(0)));
            return null;
          });
        }
      }
      long stored7 = bytes(db, "SELECT SUM(LENGTH(txn_id) + LENGTH(request) + 8) FROM bench_v7_merged_txn");
      long stored8 = bytes(db, "SELECT SUM(LENGTH(txn_id) + LENGTH(request) + 8) FROM outbound_merged_batch")
          + bytes(db, "SELECT SUM(LENGTH(batch_txn_id) + LENGTH(txn_id)) FROM outbound_merged_line");
      int stored = WARMUP + BATCHES;
      System.out.printf(Locale.ROOT, "%nMerged batch commit, %s, %d batches of %d lines each way, interleaved; "
          + "load average before %s, after %s%n", label, BATCHES, LINES, load0, OutboundQueueBenchmark.loadAverage());
      print("V7 layout (reference)", v7, stored7 / stored, wal);
      print("V8 layout (this code)", v8, stored8 / stored, wal);
    } finally {
      dbExecutor.shutdown();
    }
  }

  private static void print(String name, List<Sample> samples, long storedPerBatch, boolean wal) {
    long[] nanos = samples.stream().mapToLong(Sample::nanos).toArray();
    double walAvg = samples.stream().mapToLong(Sample::walBytes).average().orElse(0);
    System.out.printf(Locale.ROOT, "  %s: merged-txn rows %,d bytes per batch; commit p50 %.2f ms p99 %.2f ms%s%n",
        name, storedPerBatch, OutboundQueueBenchmark.pct(nanos, 50), OutboundQueueBenchmark.pct(nanos, 99),
        wal ? String.format(Locale.ROOT, "; WAL %,.0f bytes per commit", walAvg) : "");
  }

  /**
   * Random lower-case words: text that PostgreSQL's TOAST compression cannot shrink to nothing, as it would a
   * repeated character (chat text compresses less than that, more than this).
   */
  private static String text(SplittableRandom random, int length) {
    StringBuilder out = new StringBuilder(length);
    while (out.length() < length) {
      out.append(random.nextInt(6) == 0 ? ' ' : (char) ('a' + random.nextInt(26)));
    }
    return out.toString();
  }

  /** The lines' rows as the queue stores them when they are enqueued (not timed). */
  private static void queue(Database db, List<Long> seqs, List<OutboundRequest.SendEvent> lines) {
    db.inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement("INSERT INTO outbound_queue (seq, queue_key, request, attempts, "
          + "created_at) VALUES (?, ?, ?, 0, 0)")) {
        for (int i = 0; i < seqs.size(); i++) {
          st.setLong(1, seqs.get(i));
          st.setString(2, ROOM.value());
          st.setString(3, JSON.writeValueAsString(lines.get(i)));
          st.addBatch();
        }
        st.executeBatch();
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new SQLException(e);
      }
      return null;
    });
  }

  /** The grouping transaction as it was with V7: the merged request in every line's row. */
  private static void groupAsV7(Database db, List<Long> seqs, List<OutboundRequest.SendEvent> lines) {
    long now = System.currentTimeMillis();
    String json;
    try {
      json = JSON.writeValueAsString(CoalescedLines.merge(lines));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new java.io.UncheckedIOException(e);
    }
    db.inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement("UPDATE outbound_queue SET request = ? WHERE seq = ?")) {
        st.setString(1, json);
        st.setLong(2, seqs.get(0));
        st.executeUpdate();
      }
      OutboundQueue.deleteRows(c, seqs.subList(1, seqs.size()));
      try (PreparedStatement st = c.prepareStatement(
          "INSERT INTO bench_v7_merged_txn (txn_id, request, created_at) VALUES (?, ?, ?)")) {
        for (OutboundRequest.SendEvent line : lines) {
          st.setString(1, line.txnId());
          st.setString(2, json);
          st.setLong(3, now);
          st.addBatch();
        }
        st.executeBatch();
      }
      try (PreparedStatement st = c.prepareStatement("DELETE FROM bench_v7_merged_txn WHERE created_at < ?")) {
        st.setLong(1, now - MergedTxnIds.RETAIN.toMillis());
        st.executeUpdate();
      }
      return null;
    });
  }

  private static long walPosition(Database db) {
    return db.inTransaction(c -> {
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint")) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  private static long bytes(Database db, String sql) {
    return db.inTransaction(c -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }
}
