package dev.switchboard.core.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Benchmark diagnostics for PostgreSQL ({@code -Dswitchboard.bench.pgwaits=true}): turns on the server's logging of
 * autovacuum runs, lock waits over 20 ms and checkpoints, samples {@code pg_stat_activity} every few milliseconds
 * during the paced phase, and for each stall (an acknowledgement more than 50 ms after its scheduled send) prints
 * what the server's processes were doing meanwhile, and the server log lines written during the stall.
 */
final class PgWaitSampler implements AutoCloseable {
  private record Sample(long nanos, long wallMillis, List<String> rows) {}

  private final Connection c;
  private final Path serverLog;
  private final List<Sample> samples = new ArrayList<>();
  private volatile boolean sampling;
  private Thread thread;
  private final long wallMinusNano;

  PgWaitSampler(String jdbcUrl) throws SQLException {
    c = DriverManager.getConnection(jdbcUrl);
    try (Statement s = c.createStatement()) {
      s.execute("ALTER SYSTEM SET log_autovacuum_min_duration = 0");
      s.execute("ALTER SYSTEM SET log_lock_waits = on");
      s.execute("ALTER SYSTEM SET deadlock_timeout = '20ms'");
      s.execute("ALTER SYSTEM SET log_checkpoints = on");
      s.execute("SELECT pg_reload_conf()");
      try (ResultSet rs = s.executeQuery("SHOW data_directory")) {
        rs.next();
        serverLog = Path.of(rs.getString(1)).getParent().resolve("server.log");
      }
    }
    wallMinusNano = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    writesAtOpen = writes();
  }

  private long[] writesAtStart;
  private long[] writesAtOpen;

  /** {data buffers written by any server process (8 kB each), WAL bytes so far}. */
  private long[] writes() throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT buffers_checkpoint + buffers_clean "
        + "+ buffers_backend, pg_current_wal_lsn() - '0/0', buffers_backend FROM pg_stat_bgwriter")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
    }
  }

  void startSampling() throws SQLException {
    if (writesAtOpen == null) {
      writesAtOpen = writesAtStart;
    }
    writesAtStart = writes();
    sampling = true;
    thread = new Thread(() -> {
      try (Statement s = c.createStatement()) {
        while (sampling) {
          List<String> rows = new ArrayList<>();
          long t = System.nanoTime();
          try (ResultSet rs = s.executeQuery("SELECT backend_type, state, wait_event_type, wait_event, "
              + "left(regexp_replace(query, '\\s+', ' ', 'g'), 40) FROM pg_stat_activity "
              + "WHERE pid <> pg_backend_pid() AND (state IS NULL OR state <> 'idle' OR wait_event IS NOT NULL)")) {
            while (rs.next()) {
              String type = rs.getString(1);
              boolean client = "client backend".equals(type);
              if (client && !"active".equals(rs.getString(2))) {
                continue;
              }
              rows.add(type + " " + rs.getString(3) + ":" + rs.getString(4) + (client ? " [" + rs.getString(5)
                  + "]" : ""));
            }
          }
          rows.add(kernel());
          synchronized (samples) {
            samples.add(new Sample(t, System.currentTimeMillis(), rows));
          }
          java.util.concurrent.locks.LockSupport.parkNanos(3_000_000);
        }
      } catch (SQLException e) {
        System.out.println("BENCH pgwaits sampling stopped: " + e);
      }
    }, "bench-pgwaits");
    thread.setDaemon(true);
    thread.start();
  }

  private long lastSectors = -1;

  /** Dirty and under-writeback page cache, and the disk's writes in flight and sectors written since the last one. */
  private String kernel() {
    try {
      long dirty = 0;
      long writeback = 0;
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("Dirty:")) {
          dirty = Long.parseLong(l.replaceAll("\\D", "")) / 1024;
        } else if (l.startsWith("Writeback:")) {
          writeback = Long.parseLong(l.replaceAll("\\D", "")) / 1024;
        }
      }
      String disk = "";
      for (String l : Files.readAllLines(Path.of("/proc/diskstats"))) {
        String[] f = l.trim().split("\\s+");
        if (f[2].equals("vda") || f[2].equals("sda") || f[2].equals("nvme0n1")) {
          long sectors = Long.parseLong(f[9]);
          long delta = lastSectors < 0 ? 0 : sectors - lastSectors;
          lastSectors = sectors;
          disk = " inflight=" + f[11] + " wroteKB=" + (delta / 2 / 1000 * 1000);
          break;
        }
      }
      return "KERNEL dirtyMB=" + (dirty / 50 * 50) + " writebackMB=" + (writeback / 10 * 10) + disk;
    } catch (Exception e) {
      return "KERNEL ?";
    }
  }

  void stopSampling() throws InterruptedException, SQLException {
    sampling = false;
    thread.join();
    long[] end = writes();
    System.out.printf("BENCH pgwaits paced phase: server wrote %d MB of data pages and %d MB of WAL%n",
        (end[0] - writesAtStart[0]) * 8 / 1024, (end[1] - writesAtStart[1]) >> 20);
    System.out.printf("BENCH pgwaits whole run: server wrote %d MB of data pages (%d MB by backends, vacuum "
        + "included) and %d MB of WAL%n", (end[0] - writesAtOpen[0]) * 8 / 1024,
        (end[2] - writesAtOpen[2]) * 8 / 1024, (end[1] - writesAtOpen[1]) >> 20);
  }

  /** {@code sentAt[t]}: scheduled send (nanoTime); {@code latency[t]}: from then to the acknowledgement. */
  void report(long[] sentAt, long[] latency, long intervalNanos) throws Exception {
    System.out.printf("BENCH pgwaits: %d samples%n", samples.size());
    print("whole paced phase", 0, Long.MAX_VALUE);
    int stalls = 0;
    for (int t = 0; t < sentAt.length; t++) {
      if (latency[t] > 50_000_000L && (t == 0 || latency[t - 1] < latency[t] - intervalNanos / 2
          || latency[t - 1] <= 50_000_000L)) {
        long from = sentAt[t];
        long to = sentAt[t] + latency[t];
        if (++stalls <= 8) {
          print(String.format("stall at txn %d: %.1f ms, %s", t, latency[t] / 1e6,
              java.time.Instant.ofEpochMilli((from + wallMinusNano) / 1_000_000)), from, to);
          printLog(from, to);
        }
      }
    }
    System.out.printf("BENCH pgwaits: %d stall starts over 50 ms%n", stalls);
  }

  private void print(String label, long from, long to) {
    Map<String, Integer> counts = new TreeMap<>();
    int n = 0;
    synchronized (samples) {
      for (Sample s : samples) {
        if (s.nanos() >= from && s.nanos() <= to) {
          n++;
          for (String r : s.rows()) {
            counts.merge(r, 1, Integer::sum);
          }
        }
      }
    }
    System.out.printf("BENCH pgwaits %s: %d samples%n", label, n);
    int total = n;
    counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(14)
        .forEach(e -> System.out.printf("BENCH pgwaits    %5.1f%%  %s%n", 100.0 * e.getValue() / Math.max(1, total),
            e.getKey()));
  }

  private void printLog(long fromNanos, long toNanos) throws Exception {
    long fromMs = (fromNanos + wallMinusNano) / 1_000_000 - 300;
    long toMs = (toNanos + wallMinusNano) / 1_000_000 + 50;
    java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
        .withZone(java.time.ZoneOffset.UTC);
    for (String line : Files.readAllLines(serverLog)) {
      if (line.length() < 23) {
        continue;
      }
      try {
        long ms = java.time.Instant.from(f.parse(line.substring(0, 23))).toEpochMilli();
        if (ms >= fromMs && ms <= toMs) {
          System.out.println("BENCH pgwaits log: " + line);
        }
      } catch (java.time.DateTimeException e) {
        // continuation line
      }
    }
  }

  @Override
  public void close() throws Exception {
    try {
      Files.copy(serverLog, Path.of(System.getProperty("java.io.tmpdir"), "ingest-bench-pg.log"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } finally {
      c.close();
    }
  }
}
