package dev.switchboard.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatementCacheTest {
  private static final String INSERT = "INSERT INTO t (v) VALUES (?)";

  @TempDir
  Path dir;
  private HikariDataSource pool;
  private final StatementCache cache = new StatementCache();

  @BeforeEach
  void open() throws SQLException {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:sqlite:" + dir.resolve("cache.db"));
    config.setMaximumPoolSize(1);
    pool = new HikariDataSource(config);
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (v INTEGER)");
    }
  }

  @AfterEach
  void close() {
    pool.close();
  }

  @Test
  void aStatementIsKeptAcrossBorrowsOfThePooledConnectionAndStillWorks() throws SQLException {
    PreparedStatement first;
    try (Connection c = pool.getConnection()) {
      first = insert(c, 1);
    }
    try (Connection c = pool.getConnection()) { // the pool closes the statements it saw; not this one
      assertThat(cache.prepare(c, INSERT)).isSameAs(first);
      insert(c, 2);
    }
    assertThat(values()).isEqualTo(3);
    assertThat(cache.connections()).isEqualTo(1);
  }

  @Test
  void aRetiredConnectionsStatementsAreForgottenAndPreparedAgainOnTheNewOne() throws SQLException {
    PreparedStatement old;
    try (Connection c = pool.getConnection()) {
      old = insert(c, 1);
      pool.evictConnection(c); // as the pool does at the connection's maximum lifetime
    }
    try (Connection c = pool.getConnection()) { // the pool closes the evicted one now, on a thread of its own
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!old.getConnection().isClosed() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(old.getConnection().isClosed()).isTrue(); // sqlite-jdbc finalized the statement with it
      PreparedStatement fresh = insert(c, 2);
      assertThat(fresh).isNotSameAs(old);
      assertThat(fresh.isClosed()).isFalse();
    }
    assertThat(values()).isEqualTo(3);
    assertThat(cache.connections()).isEqualTo(1);
  }

  @Test
  void aKeptStatementLeftResetDoesNotHoldTheWalBack() throws SQLException {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
        assertThat(rs.next()).isTrue();
      }
      insert(c, 1);
      insert(c, 2);
      try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).as("busy: a reader held the checkpoint back").isZero();
      }
    }
  }

  private PreparedStatement insert(Connection c, int v) throws SQLException {
    PreparedStatement ps = cache.prepare(c, INSERT);
    ps.setInt(1, v);
    assertThat(ps.executeUpdate()).isEqualTo(1);
    return ps;
  }

  private int values() throws SQLException {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT SUM(v) FROM t")) {
      return rs.next() ? rs.getInt(1) : -1;
    }
  }
}
