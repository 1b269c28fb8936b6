package dev.switchboard.core.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's one record of what must survive: a pooled JDBC data source (SQLite or PostgreSQL) with the core
 * schema and each connector's schema migrated at start.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  /** Which SQL flavour the URL speaks; the schema is the same, a few statements differ. */
  public enum Dialect {
    SQLITE,
    POSTGRESQL
  }

  private final HikariDataSource dataSource;
  /** Connections that commit without waiting for the disk flush; see {@link #inRelaxedTransaction}. */
  private final HikariDataSource relaxedDataSource;
  private final Dialect dialect;

  private java.util.concurrent.ScheduledExecutorService checkpointer;

  private Database(HikariDataSource dataSource, HikariDataSource relaxedDataSource, Dialect dialect) {
    this.dataSource = dataSource;
    this.relaxedDataSource = relaxedDataSource;
    this.dialect = dialect;
    startCheckpointer();
  }

  /**
   * Opens the database at {@code jdbcUrl} and applies migrations: core's from {@code db/migration/core}, then each
   * of {@code connectorSchemas} from {@code db/migration/<name>} with its own history table.
   */
  public static Database open(String jdbcUrl, String user, String password, List<String> connectorSchemas) {
    Dialect dialect = dialectOf(jdbcUrl);
    sqliteFile(jdbcUrl).ifPresent(file -> {
      // SQLite creates its -wal and -shm files with the database file's mode, so this covers all three.
      for (String suffix : List.of("", "-wal", "-shm")) {
        Path f = Path.of(file + suffix);
        if (suffix.isEmpty() || Files.exists(f)) {
          PrivateFiles.ensure(f);
        }
      }
    });
    HikariDataSource ds = new HikariDataSource(poolConfig(jdbcUrl, user, password, dialect, false));
    HikariDataSource relaxed = null;
    try {
      migrate(ds, "core", "flyway_schema_history");
      for (String schema : connectorSchemas) {
        migrate(ds, schema, "flyway_history_" + schema);
      }
      relaxed = new HikariDataSource(poolConfig(jdbcUrl, user, password, dialect, true));
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    log.info("Database ready ({}, {} connector schema(s))", dialect, connectorSchemas.size());
    return new Database(ds, relaxed, dialect);
  }

  /**
   * The settings of a pool. {@code relaxed}: the small pool whose connections commit without waiting for the disk
   * flush (see {@link #inRelaxedTransaction}); set once per connection, so a relaxed commit costs no extra
   * statements (it used to switch {@code synchronous} or {@code synchronous_commit} back and forth around each one:
   * on PostgreSQL an extra round trip per commit).
   */
  private static HikariConfig poolConfig(String jdbcUrl, String user, String password, Dialect dialect,
      boolean relaxed) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setPoolName(relaxed ? "switchboard-db-relaxed" : "switchboard-db");
    if (user != null && !user.isEmpty()) {
      config.setUsername(user);
    }
    if (password != null && !password.isEmpty()) {
      config.setPassword(password);
    }
    if (dialect == Dialect.SQLITE) {
      // One writer at a time is all SQLite allows; WAL lets readers run beside it. busy_timeout makes a second
      // writer wait instead of failing with SQLITE_BUSY.
      config.setMaximumPoolSize(relaxed ? 2 : 4); // relaxed: writes queue on sqliteWriter anyway
      config.addDataSourceProperty("journal_mode", "WAL");
      config.addDataSourceProperty("foreign_keys", "true");
      // FULL: a commit is on disk before we answer 200, so an acknowledged transaction survives power loss.
      // NORMAL (relaxed pool): in WAL mode the commit is not flushed; the next FULL commit flushes it too.
      config.addDataSourceProperty("synchronous", relaxed ? "NORMAL" : "FULL");
      config.addDataSourceProperty("busy_timeout", "10000");
      // When the WAL starts over after a complete checkpoint, it is cut back to this size rather than kept at the
      // largest it ever was.
      config.addDataSourceProperty("journal_size_limit", Long.toString(64L << 20));
      // Checkpoints run on a background thread (see checkpointer), not inside whichever commit crosses the
      // auto-checkpoint threshold: that commit is a transaction acknowledgement waiting to be sent.
      config.setConnectionInitSql("PRAGMA wal_autocheckpoint = 0");
    } else {
      config.setMaximumPoolSize(relaxed ? 2 : 10);
      config.setMinimumIdle(relaxed ? 1 : 10);
      // A backend that evicts a dirty page from shared buffers only hands it to the kernel, and PostgreSQL's default
      // leaves it there (backend_flush_after = 0): the page cache then fills with hundreds of MB that the kernel
      // writes back in bursts, and the next acknowledgement's WAL flush waits behind such a burst on the disk
      // (ack stalls of 100-300 ms in the paced ingest benchmark; see docs/benchmarks.md). With a limit, each
      // backend starts the write-back of what it evicted every 256 kB, so the disk never has a burst queued. A
      // per-session setting, so no server configuration is needed.
      String init = "SET backend_flush_after = '256kB'";
      if (relaxed) {
        // Never lost on a crash of the bridge or of PostgreSQL; on power loss at most the last few commits.
        init += "; SET synchronous_commit TO OFF";
      }
      config.setConnectionInitSql(init);
    }
    return config;
  }

  private void startCheckpointer() {
    if (dialect != Dialect.SQLITE) {
      return;
    }
    checkpointer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sqlite-checkpoint");
      t.setDaemon(true);
      return t;
    });
    checkpointer.scheduleWithFixedDelay(() -> {
      try {
        long now = System.nanoTime();
        long commits = commitsSinceCheckpoint.get();
        if (commits == 0) {
          waitingSinceNanos = now; // nothing to copy as of this round
        } else if (checkpointDue(commits, (now - waitingSinceNanos) / 1_000_000)) {
          commitsSinceCheckpoint.addAndGet(-commits);
          waitingSinceNanos = now;
          checkpoint();
          backgroundCheckpoints.incrementAndGet();
        }
      } catch (SQLException | RuntimeException e) {
        log.debug("WAL checkpoint failed: {}", e.toString());
      }
    }, CHECKPOINT_INTERVAL_MS, CHECKPOINT_INTERVAL_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * How often the background thread checkpoints under load (see {@link #CHECKPOINT_MIN_COMMITS}). Its second pass
   * holds writers off while it copies what arrived during the first and flushes the database file, so an
   * acknowledgement that comes then waits; the less arrived, the shorter that wait. Every second, the wait was ~5 ms and set the p99 of the paced ingest benchmark (6.0-6.4
   * ms); every 200 ms it is 3.4-4.4 ms, and back-to-back p99 stays under 5 ms (every 100 ms it does not: more
   * flushes of the database file compete with the acknowledgements'). docs/benchmarks.md has the runs. An empty
   * WAL makes a checkpoint a few microseconds of work, so an idle bridge does not notice.
   */
  static final long CHECKPOINT_INTERVAL_MS = 200;

  /**
   * Commits (and read transactions: they are counted alike, which only makes a checkpoint come sooner) after which
   * the next round checkpoints. Under load that is every round, as above; a bridge bridging a few messages a second
   * makes a few dozen commits a second, and checkpointing each round cost it a flush of the database file five times
   * a second: 6 % of its CPU at 5 messages a second (`CpuBenchmark`, thread {@code sqlite-checkpoint}).
   */
  static final long CHECKPOINT_MIN_COMMITS = 64;
  /** With fewer commits than {@link #CHECKPOINT_MIN_COMMITS}, a round checkpoints once this long has passed. */
  static final long CHECKPOINT_MAX_WAIT_MS = 2_000;

  private final AtomicLong commitsSinceCheckpoint = new AtomicLong();
  private final AtomicLong backgroundCheckpoints = new AtomicLong();
  /** The last round that checkpointed or found no commit since the last checkpoint; only the checkpointer's. */
  private long waitingSinceNanos = System.nanoTime();

  /**
   * Whether a background round checkpoints, with {@code commits} since the last checkpoint, the first of them at
   * most {@code waitedMs} ago.
   */
  static boolean checkpointDue(long commits, long waitedMs) {
    return commits >= CHECKPOINT_MIN_COMMITS || commits > 0 && waitedMs >= CHECKPOINT_MAX_WAIT_MS;
  }

  /** Checkpoints the background thread has run; for tests. */
  long backgroundCheckpoints() {
    return backgroundCheckpoints.get();
  }

  /**
   * Copies the WAL into the database file. The copy runs beside the writers (PASSIVE never blocks them), but the
   * WAL starts over from its beginning only when a writer begins while every frame is copied, which under steady
   * load never happens: a commit always comes between. The WAL then grew by gigabytes in a benchmark run, and each
   * page lookup searched an ever longer WAL index. So once the WAL holds {@link #WAL_RESTART_FRAMES} frames, a
   * second pass holds writers off and copies what arrived during the first, a few milliseconds' worth; the next
   * writer then starts the WAL over. Returns the frames left uncopied (0 when the checkpoint is complete).
   */
  int checkpoint() throws SQLException {
    try (Connection c = dataSource.getConnection(); var s = c.createStatement()) {
      int[] frames = passiveCheckpoint(s);
      if (frames[0] < WAL_RESTART_FRAMES) {
        return frames[0] - frames[1];
      }
      long waitStart = System.nanoTime();
      sqliteWriter.lock();
      long held = System.nanoTime();
      try {
        frames = passiveCheckpoint(s);
        return frames[0] - frames[1];
      } finally {
        sqliteWriter.unlock();
        long heldMs = (System.nanoTime() - held) / 1_000_000;
        if (heldMs >= SLOW_CHECKPOINT_MS) {
          log.info("WAL checkpoint held writers off for {} ms ({} frames in the WAL; waited {} ms for the lock)",
              heldMs, frames[0], (held - waitStart) / 1_000_000);
        }
      }
    }
  }

  /**
   * Stops the background checkpoints and waits for one in progress, so a test decides when the WAL is copied (the
   * background thread could otherwise restart the WAL just before the test's own checkpoint).
   */
  void stopBackgroundCheckpoints() throws InterruptedException {
    if (checkpointer != null) {
      checkpointer.shutdown();
      checkpointer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** A checkpoint that holds writers off this long is logged: every acknowledgement waited for it. */
  private static final long SLOW_CHECKPOINT_MS = 50;

  /** WAL size (4 KiB pages) above which a checkpoint makes sure the WAL starts over: 4 MiB. */
  static final int WAL_RESTART_FRAMES = 1024;

  /** Runs a PASSIVE checkpoint: {frames in the WAL, frames copied to the database}. */
  private static int[] passiveCheckpoint(java.sql.Statement s) throws SQLException {
    try (var rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      return rs.next() ? new int[] {rs.getInt(2), rs.getInt(3)} : new int[] {0, 0};
    }
  }

  private static void migrate(DataSource ds, String location, String table) {
    Flyway.configure()
        .dataSource(ds)
        .locations("classpath:db/migration/" + location)
        .table(table)
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load()
        .migrate();
  }

  /** The file of a SQLite URL, unless it is in memory or a {@code file:} URI with options. */
  private static java.util.Optional<Path> sqliteFile(String jdbcUrl) {
    if (!jdbcUrl.startsWith("jdbc:sqlite:")) {
      return java.util.Optional.empty();
    }
    String path = jdbcUrl.substring("jdbc:sqlite:".length());
    if (path.isEmpty() || path.startsWith(":") || path.startsWith("file:") || path.contains("?")) {
      return java.util.Optional.empty();
    }
    Path file = Path.of(path);
    return file.getParent() == null || Files.isDirectory(file.toAbsolutePath().getParent())
        ? java.util.Optional.of(file) : java.util.Optional.empty();
  }

  static Dialect dialectOf(String jdbcUrl) {
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      return Dialect.SQLITE;
    }
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      return Dialect.POSTGRESQL;
    }
    throw new IllegalArgumentException("database.url must start with jdbc:sqlite: or jdbc:postgresql:, got '"
        + jdbcUrl.replaceAll("//[^@/]*@", "//***@") + "'");
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public Dialect dialect() {
    return dialect;
  }

  public Connection connection() throws SQLException {
    return dataSource.getConnection();
  }

  /** Work done in one transaction: committed on return, rolled back on exception. */
  @FunctionalInterface
  public interface TransactionWork<T> {
    T run(Connection connection) throws SQLException;
  }

  /** Runs {@code work} in one transaction, durable on disk when this returns. */
  public <T> T inTransaction(TransactionWork<T> work) {
    return transaction(work, false);
  }

  /**
   * Runs {@code work} in one transaction that may be lost on power failure (never on a process crash) in exchange
   * for skipping the disk flush: for records whose loss only repeats work, such as marking inbox entries done
   * (connectors tolerate a repeat). A later durable commit flushes it too.
   */
  public <T> T inRelaxedTransaction(TransactionWork<T> work) {
    return transaction(work, true);
  }

  /**
   * Runs {@code work} on a connection in auto-commit mode: each statement is a transaction of its own, durable on
   * disk when it returns. For a write that is a single statement: on PostgreSQL it then takes one round trip instead
   * of three (statement, {@code COMMIT}, and the {@code BEGIN} sent with the statement's own), and each round trip
   * on a busy machine is a chance to wait for the scheduler.
   */
  public <T> T inAutoCommit(TransactionWork<T> work) {
    if (dialect == Dialect.SQLITE) {
      sqliteWriter.lock();
    }
    try (Connection c = dataSource.getConnection()) {
      return work.run(c); // pooled connections are in auto-commit mode; transaction() restores it
    } catch (SQLException e) {
      throw new StoreException(e);
    } finally {
      if (dialect == Dialect.SQLITE) {
        commitsSinceCheckpoint.incrementAndGet();
        sqliteWriter.unlock();
      }
    }
  }

  private <T> T transaction(TransactionWork<T> work, boolean relaxed) {
    if (dialect != Dialect.SQLITE) {
      return transactionOnConnection(work, relaxed);
    }
    // SQLite allows one writer; a second one that finds the database locked sleeps in its busy handler in steps of
    // up to 100 ms, which showed up as acknowledgement latency spikes. Queueing writers here costs nothing extra
    // and wakes the next one as soon as the lock is free. Reentrant: nested work on one thread is fine.
    sqliteWriter.lock();
    try {
      return transactionOnConnection(work, relaxed);
    } finally {
      commitsSinceCheckpoint.incrementAndGet();
      sqliteWriter.unlock();
    }
  }

  private final java.util.concurrent.locks.ReentrantLock sqliteWriter = new java.util.concurrent.locks.ReentrantLock(true);

  private <T> T transactionOnConnection(TransactionWork<T> work, boolean relaxed) {
    try (Connection c = (relaxed ? relaxedDataSource : dataSource).getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** Whether a pooled connection can be had and answers within a few seconds; for health checks. */
  public boolean reachable() {
    try (Connection c = dataSource.getConnection()) {
      return c.isValid(5);
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  /** The names of the tables in the database, lower case; for tests and diagnostics. */
  public List<String> tableNames() {
    try (Connection c = dataSource.getConnection();
        var rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
      List<String> names = new ArrayList<>();
      while (rs.next()) {
        names.add(rs.getString("TABLE_NAME").toLowerCase(java.util.Locale.ROOT));
      }
      return names;
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  @Override
  public void close() {
    if (checkpointer != null) {
      checkpointer.shutdownNow();
    }
    relaxedDataSource.close();
    dataSource.close();
  }
}
