package dev.switchboard.core.bench;

import dev.switchboard.core.CoreHarness;
import dev.switchboard.core.RecordingConnector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Transaction ingest over real HTTP: 100-event transactions, one in flight (as a homeserver sends them), through
 * auth, parsing, the durable inbox commit and dispatch to a connector. Prints events/s and ack latency. The
 * sending side is a minimal keep-alive HTTP/1.1 client with requests built beforehand, so that on a 2-core machine
 * the numbers measure the bridge rather than the load generator.
 * Not a timed test: it asserts nothing about speed. Run (see docs/benchmarks.md):
 * {@code ./mvnw -B -q -pl bridge-core -am verify -Dswitchboard.bench=true -Dtest=IngestBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "switchboard.bench", matches = "true")
class IngestBenchmark {
  private static final int EVENTS_PER_TXN = 100;
  /**
   * Enough for C2 to finish compiling the hot path (3,000 did that), and, since 2026-11-26, for the database to reach
   * the state a long-running one is in: 1.2 million events are ~1.1 GB of PostgreSQL WAL, so its server has passed a
   * checkpoint and reuses old WAL segment files instead of creating and zero-filling a new 16 MB file every ~0.3 s
   * (a fresh cluster's cost that no server running for a day pays; see docs/benchmarks.md). Override with
   * -Dswitchboard.bench.warmup.
   */
  private static final int WARMUP_TXNS = Integer.getInteger("switchboard.bench.warmup", 12_000);
  /** 5,000 measured: the p99 is then the 50th worst, not the 20th; override with -Dswitchboard.bench.txns. */
  private static final int MEASURED_TXNS = Integer.getInteger("switchboard.bench.txns", 5000);
  /** After the back-to-back run, the same again on a fixed schedule at this rate (0: skip); the target's 20,000. */
  private static final int PACED_EVENTS_PER_SECOND = Integer.getInteger("switchboard.bench.paced", 20_000);

  @Test
  void sqlite() throws Exception {
    Path dir = Files.createTempDirectory("ingest-bench");
    try {
      run("SQLite", "jdbc:sqlite:" + dir.resolve("bench.db"));
    } finally {
      deleteRecursively(dir); // a run leaves ~0.5 GB of database behind
    }
  }

  static void deleteRecursively(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Diagnostics for the PostgreSQL variant: sample its backends' wait events and log its vacuums and lock waits. */
  private static final boolean PG_WAITS = Boolean.getBoolean("switchboard.bench.pgwaits");

  @Test
  void postgresql() throws Exception {
    try (dev.switchboard.testkit.postgres.PostgresServer pg =
        dev.switchboard.testkit.postgres.PostgresServer.startDurable(PG_SETTINGS)) {
      String url = pg.createDatabase() + "?user=" + pg.user();
      if (PG_WAITS) {
        pgWaits = new PgWaitSampler(url);
      }
      try {
        run("PostgreSQL", url);
      } finally {
        if (pgWaits != null) {
          pgWaits.close();
          pgWaits = null;
        }
      }
    }
  }

  private static PgWaitSampler pgWaits;

  /** Server settings for the PostgreSQL variant, comma-separated {@code name=value}; default: none (stock server). */
  private static final List<String> PG_SETTINGS = System.getProperty("switchboard.bench.pgconf", "").isBlank()
      ? List.of() : List.of(System.getProperty("switchboard.bench.pgconf").split(","));

  /** The bridge in a process of its own, as beside a real homeserver; the load generator here. */
  @Test
  void sqliteBridgeInItsOwnProcess() throws Exception {
    Path dir = Files.createTempDirectory("ingest-bench");
    Path portFile = dir.resolve("port");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process bridge = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        BenchBridge.class.getName(), "jdbc:sqlite:" + dir.resolve("bench.db"), portFile.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("bridge.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!Files.exists(portFile) && System.nanoTime() < deadline && bridge.isAlive()) {
        Thread.sleep(50);
      }
      int port = Integer.parseInt(Files.readString(portFile).trim());
      measure("SQLite, bridge in its own process", port, List.of(bridge.pid()), true);
    } finally {
      bridge.destroyForcibly().waitFor();
      deleteRecursively(dir);
    }
  }

  /** Runs against {@code jdbcUrl}. */
  static void run(String label, String jdbcUrl) throws Exception {
    RecordingConnector sink = new RecordingConnector("test", CoreHarness.DOMAIN) {
      @Override
      public java.util.concurrent.CompletableFuture<Void> onEvent(dev.switchboard.core.event.MatrixEvent e,
          java.util.Optional<dev.switchboard.core.connector.Link> link) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
      }
    };
    try (CoreHarness core = CoreHarness.start(jdbcUrl, List.of(sink))) {
      for (int r = 0; r < 20; r++) {
        core.link("!room" + r + ":test.local", "test", "net/#c" + r);
      }
      if (jdbcUrl.startsWith("jdbc:postgresql:") && Boolean.getBoolean("switchboard.bench.insertvacuum")) {
        // A/B: the server's default insert-triggered autovacuum of inbox_event, which InboxStore turns off.
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl);
            java.sql.Statement s = c.createStatement()) {
          s.execute("ALTER TABLE inbox_event RESET (autovacuum_vacuum_insert_threshold)");
        }
        System.out.println("BENCH ingest PostgreSQL: insert-triggered autovacuum of inbox_event left on (A/B)");
      }
      List<Long> servers = jdbcUrl.startsWith("jdbc:postgresql:")
          ? CpuAccount.postgresServer(java.net.URI.create(jdbcUrl.substring(5)).getPort()) : List.of();
      measure(label, core.server.port(), servers, jdbcUrl.startsWith("jdbc:sqlite:"));
    }
  }

  /**
   * {@code otherProcesses}: pids whose CPU serves the run (the bridge's own process, the PostgreSQL server).
   * {@code rawReference}: commit the same transactions straight to a fresh SQLite file right before and right after
   * the back-to-back run and print them beside it ({@link RawSqliteReference}).
   */
  private static void measure(String label, int port, List<Long> otherProcesses, boolean rawReference)
      throws Exception {
    try (RawHttpClient http = new RawHttpClient(port)) {
      AtomicLong eventSeq = new AtomicLong();
      for (int t = 0; t < WARMUP_TXNS; t++) {
        put(http, "w" + t, body(eventSeq));
      }
      long[] latencies = new long[MEASURED_TXNS];
      long[] sentAt = new long[MEASURED_TXNS];
      List<byte[]> requests = new ArrayList<>();
      for (int t = 0; t < MEASURED_TXNS; t++) {
        requests.add(RawHttpClient.put("/_matrix/app/v1/transactions/m" + t, CoreHarness.HS_TOKEN, body(eventSeq)));
      }
      settle();
      RawSqliteReference.Result rawBefore = rawReference ? raw(label, "before", eventSeq.get()) : null;
      String threadName = Thread.currentThread().getName();
      Thread.currentThread().setName(SENDER);
      CpuAccount cpu = CpuAccount.start(otherProcesses);
      long start = System.nanoTime();
      for (int t = 0; t < MEASURED_TXNS; t++) {
        long t0 = System.nanoTime();
        int status = http.exchange(requests.get(t));
        if (status != 200) {
          throw new IllegalStateException("transaction m" + t + " answered " + status);
        }
        latencies[t] = System.nanoTime() - t0;
        sentAt[t] = t0;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      String cpuReport = cpu.report(MEASURED_TXNS, SENDER);
      Thread.currentThread().setName(threadName);
      System.out.printf(Locale.ROOT, "BENCH ingest %s bridge back-to-back: slow 100 ms of sending (an ack over "
          + "%d ms):%s%n", label, STALL_MS, Stalls.slowWindows(latencies, sentAt, start, STALL_MS));
      Arrays.sort(latencies);
      System.out.printf(Locale.ROOT,
          "BENCH ingest %s: %d txns x %d events in %.2f s = %.0f events/s; ack latency p50 %.2f ms, p90 %.2f ms, "
              + "p95 %.2f ms, p99 %.2f ms, max %.2f ms%n",
          label, MEASURED_TXNS, EVENTS_PER_TXN, seconds, MEASURED_TXNS * EVENTS_PER_TXN / seconds,
          latencies[MEASURED_TXNS / 2] / 1e6, latencies[(int) (MEASURED_TXNS * 0.90)] / 1e6,
          latencies[(int) (MEASURED_TXNS * 0.95)] / 1e6, latencies[(int) (MEASURED_TXNS * 0.99)] / 1e6,
          latencies[MEASURED_TXNS - 1] / 1e6);
      System.out.printf(Locale.ROOT, "BENCH ingest %s: %s (warm-up %d txns)%n", label, cpuReport, WARMUP_TXNS);
      if (rawReference) {
        RawSqliteReference.Result rawAfter = raw(label, "after", eventSeq.get());
        RawSqliteReference.Result python = PythonSqliteReference.run(MEASURED_TXNS, EVENTS_PER_TXN,
            eventSeq.get() + 1, IngestBenchmark::event);
        double rate = MEASURED_TXNS * EVENTS_PER_TXN / seconds;
        double p99 = latencies[(int) (MEASURED_TXNS * 0.99)] / 1e6;
        System.out.printf(Locale.ROOT, "BENCH ingest %s vs raw SQLite (same run): bridge %.0f events/s = %.0f %% / "
                + "%.0f %% of raw before / after; bridge ack p99 %.2f ms = raw commit p99 %+.2f ms / %+.2f ms; load "
                + "average %s%n", label, rate, 100 * rate / rawBefore.eventsPerSecond(),
            100 * rate / rawAfter.eventsPerSecond(), p99, p99 - rawBefore.p99Ms(), p99 - rawAfter.p99Ms(),
            Stalls.loadAverage());
        if (python != null) {
          System.out.printf(Locale.ROOT, "BENCH ingest %s vs the issue's reference, a Python loop (same run, after "
                  + "the Java one): %.0f events/s, commit p50 %.2f ms, p99 %.2f ms, max %.2f ms; bridge = %.0f %% of "
                  + "its rate, ack p99 %+.2f ms%n", label, python.eventsPerSecond(), python.p50Ms(), python.p99Ms(),
              python.maxMs(), 100 * rate / python.eventsPerSecond(), p99 - python.p99Ms());
        }
      }
      if (PACED_EVENTS_PER_SECOND > 0) {
        paced(label, http, eventSeq, rawReference);
      }
    }
  }

  /** An acknowledgement slower than this is a stall (issue 19's bound for the paced run). */
  private static final long STALL_MS = 50;

  /** The raw SQLite reference ({@link RawSqliteReference}) over as many transactions as the measured run. */
  private static RawSqliteReference.Result raw(String label, String when, long firstEvent) throws Exception {
    RawSqliteReference.Result r = RawSqliteReference.run(MEASURED_TXNS, EVENTS_PER_TXN, firstEvent + 1,
        IngestBenchmark::event, 0);
    System.out.printf(Locale.ROOT, "BENCH ingest %s RAW SQLite reference %s the bridge (fresh file, WAL, "
        + "synchronous=FULL, INSERT+COMMIT only): %s%n", label, when, r.describe());
    return r;
  }

  /**
   * The same transactions, still one in flight, but sent on a fixed schedule at the target rate instead of back to
   * back: the ack latency at the throughput the target names, rather than at saturation (where every run of a
   * closed loop queues for the two cores). Latency counts from each transaction's scheduled send time, so an ack
   * that makes the next one late is charged to the next one too (no coordinated omission).
   */
  private static void paced(String label, RawHttpClient http, AtomicLong eventSeq, boolean rawReference)
      throws Exception {
    int txns = MEASURED_TXNS;
    List<byte[]> requests = new ArrayList<>();
    for (int t = 0; t < txns; t++) {
      requests.add(RawHttpClient.put("/_matrix/app/v1/transactions/p" + t, CoreHarness.HS_TOKEN, body(eventSeq)));
    }
    settle();
    long intervalNanos = 1_000_000_000L * EVENTS_PER_TXN / PACED_EVENTS_PER_SECOND;
    long[] latencies = new long[txns];
    long start = System.nanoTime() + 10_000_000L;
    int late = 0;
    long[] sentAt = new long[txns];
    long[] unsorted = new long[txns];
    if (pgWaits != null) {
      pgWaits.startSampling();
    }
    java.util.concurrent.CompletableFuture<RawSqliteReference.Result> rawBeside = rawReference && RAW_BESIDE
        ? java.util.concurrent.CompletableFuture.supplyAsync(() -> rawPaced(txns, eventSeq.get() + 1, intervalNanos),
            r -> new Thread(r, "bench-raw-beside").start())
        : null;
    long gcBefore = Stalls.gcMillis();
    StallWatch watch = new StallWatch(STALL_MS);
    for (int t = 0; t < txns; t++) {
      long scheduled = start + t * intervalNanos;
      long now = waitUntil(scheduled);
      if (now - scheduled > intervalNanos) {
        late++;
      }
      watch.sent(t, scheduled);
      int status = http.exchange(requests.get(t));
      watch.answered();
      if (status != 200) {
        throw new IllegalStateException("transaction p" + t + " answered " + status);
      }
      latencies[t] = System.nanoTime() - scheduled;
      sentAt[t] = scheduled;
      unsorted[t] = latencies[t];
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    watch.close();
    if (pgWaits != null) {
      pgWaits.stopSampling();
      pgWaits.report(sentAt, unsorted, intervalNanos);
    }
    System.out.printf(Locale.ROOT, "BENCH ingest %s paced: slow 100 ms of schedule (an ack over %d ms):%s; GC "
        + "%d ms in all; load average %s%n", label, STALL_MS,
        Stalls.slowWindows(unsorted, sentAt, start, STALL_MS), Stalls.gcMillis() - gcBefore, Stalls.loadAverage());
    Arrays.sort(latencies);
    System.out.printf(Locale.ROOT,
        "BENCH ingest %s paced at %d events/s: %d txns in %.2f s = %.0f events/s; ack latency from scheduled send "
            + "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; %d sends a full interval late%n",
        label, PACED_EVENTS_PER_SECOND, txns, seconds, txns * EVENTS_PER_TXN / seconds,
        latencies[txns / 2] / 1e6, latencies[(int) (txns * 0.90)] / 1e6, latencies[(int) (txns * 0.99)] / 1e6,
        latencies[txns - 1] / 1e6, late);
    if (rawReference) {
      RawSqliteReference.Result r = rawBeside != null ? rawBeside.join()
          : rawPaced(txns, eventSeq.get() + 1 + (long) txns * EVENTS_PER_TXN, intervalNanos);
      System.out.printf(Locale.ROOT, "BENCH ingest %s RAW SQLite reference %s the paced bridge, same schedule "
          + "(latency from scheduled start): %s; bridge paced p99 %.2f ms = raw %+.2f ms%n", label,
          rawBeside != null ? "at the same time as" : "after", r.describe(),
          latencies[(int) (txns * 0.99)] / 1e6, latencies[(int) (txns * 0.99)] / 1e6 - r.p99Ms());
    }
  }

  /**
   * {@code -Dswitchboard.bench.rawbeside=true}: the paced raw reference commits at the same time as the paced bridge
   * (its own thread, same schedule) instead of after it, so a slow moment of the disk shows in both, at the cost of
   * the two sharing the disk and a little CPU.
   */
  private static final boolean RAW_BESIDE = Boolean.getBoolean("switchboard.bench.rawbeside");

  private static RawSqliteReference.Result rawPaced(int txns, long firstEvent, long intervalNanos) {
    try {
      return RawSqliteReference.run(txns, EVENTS_PER_TXN, firstEvent, IngestBenchmark::event, intervalNanos);
    } catch (Exception e) {
      throw new IllegalStateException("raw SQLite reference failed", e);
    }
  }

  /** Waits until {@code scheduled} (parks, then spins the last 0.1-0.2 ms); returns the time it then is. */
  static long waitUntil(long scheduled) {
    long now;
    while ((now = System.nanoTime()) < scheduled) {
      long wait = scheduled - now;
      if (wait > 200_000) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait - 100_000);
      } else {
        Thread.onSpinWait();
      }
    }
    return now;
  }

  /**
   * The prepared requests (~150 MB) are the load generator's, not the bridge's: collect once so they sit in the old
   * generation, instead of being copied by every young collection of the run and charged to the bridge as pauses.
   */
  private static void settle() {
    System.gc();
  }

  private static final String SENDER = "bench-sender";

  /**
   * Until 2026-11-26 event ids were {@code $ev<n>abc…}: in index order as they arrived, which real ids are not (room
   * versions 4+ name an event by the URL-safe base64 of its SHA-256, so each new id falls at a random place in an
   * index on it). Now they are random like real ones, and timestamps advance as live events' do (100 per
   * millisecond, a fast stream). {@code -Dswitchboard.bench.sequentialids=true} gives the old ids and fixed timestamp.
   */
  private static final boolean SEQUENTIAL_IDS = Boolean.getBoolean("switchboard.bench.sequentialids");
  private static final long START_MS = System.currentTimeMillis();

  private static String eventId(long n) {
    if (SEQUENTIAL_IDS) {
      return "$ev" + n + "abcdefghijklmnopqrstuvwxyz012345";
    }
    byte[] hash = new byte[32];
    new java.util.SplittableRandom(n).nextBytes(hash);
    return "$" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
  }

  /** Event {@code n} of the run: what a transaction carries and what the raw reference stores. */
  static RawSqliteReference.Event event(long n) {
    String id = eventId(n);
    String room = "!room" + (n % 20) + ":test.local";
    long ts = SEQUENTIAL_IDS ? 1700000000000L : START_MS + n / 10;
    String json = "{\"event_id\":\"" + id + "\",\"room_id\":\"" + room + "\",\"sender\":\"@user" + (n % 50)
        + ":test.local\",\"type\":\"m.room.message\",\"origin_server_ts\":" + ts + ","
        + "\"unsigned\":{\"age\":12},\"content\":{\"msgtype\":\"m.text\",\"body\":\"message number " + n
        + " with some ordinary chat text in it, about eighty characters long\"}}";
    return new RawSqliteReference.Event(id, ts, room, json);
  }

  private static String body(AtomicLong seq) {
    StringBuilder sb = new StringBuilder("{\"events\":[");
    for (int i = 0; i < EVENTS_PER_TXN; i++) {
      sb.append(i > 0 ? "," : "").append(event(seq.incrementAndGet()).json());
    }
    return sb.append("]}").toString();
  }

  private static void put(RawHttpClient http, String txnId, String body) throws Exception {
    int status = http.exchange(RawHttpClient.put("/_matrix/app/v1/transactions/" + txnId, CoreHarness.HS_TOKEN,
        body));
    if (status != 200) {
      throw new IllegalStateException("transaction " + txnId + " answered " + status);
    }
  }
}
