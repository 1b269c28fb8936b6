package dev.switchboard.core.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepared statements kept from one transaction to the next, per pooled connection, for a hot path on SQLite.
 * sqlite-jdbc compiles the SQL on every {@code prepareStatement} and the pool (HikariCP) keeps no statements by
 * design, where SQLite's other users keep theirs (Python's {@code sqlite3} module caches 128): compiling the inbox's
 * INSERTs was about a sixth of the native time of each acknowledgement.
 *
 * <p>A statement is prepared on the physical connection under the pool's proxy, so the pool does not close it when
 * the connection goes back to the pool. It lives as long as that connection: when the pool retires the connection,
 * sqlite-jdbc finalizes its statements with it (though their {@code isClosed()} still says false), and the next call
 * finds the connection closed, forgets its statements and prepares anew on the connection it is given. Callers must
 * leave each statement reset (run an update, or read a query's result set to its end and close it), so that a kept
 * statement never holds a read snapshot that would stop WAL checkpoints.
 *
 * <p>Not thread-safe: one caller at a time (the inbox's write lock).
 */
public final class StatementCache {
  private static final Logger log = LoggerFactory.getLogger(StatementCache.class);

  /** More physical connections than any pool here has (SQLite's holds 4); beyond it the least used go. */
  private static final int MAX_CONNECTIONS = 8;

  private final Map<Connection, Map<String, PreparedStatement>> byConnection =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Connection, Map<String, PreparedStatement>> eldest) {
          if (size() <= MAX_CONNECTIONS) {
            return false;
          }
          closeAll(eldest.getValue());
          return true;
        }
      };

  /** {@code sql} prepared on {@code pooled}'s physical connection: kept from an earlier call, or prepared now. */
  public PreparedStatement prepare(Connection pooled, String sql) throws SQLException {
    Connection physical = pooled.unwrap(Connection.class);
    forgetClosedConnections();
    Map<String, PreparedStatement> statements = byConnection.computeIfAbsent(physical, c -> new HashMap<>());
    PreparedStatement ps = statements.get(sql);
    if (ps == null || ps.isClosed()) {
      ps = physical.prepareStatement(sql);
      statements.put(sql, ps);
    }
    return ps;
  }

  /** How many connections have statements kept; for tests. */
  int connections() {
    forgetClosedConnections();
    return byConnection.size();
  }

  private void forgetClosedConnections() {
    for (Iterator<Connection> it = byConnection.keySet().iterator(); it.hasNext(); ) {
      Connection c = it.next();
      try {
        if (c.isClosed()) {
          it.remove(); // its statements closed with it
        }
      } catch (SQLException e) {
        it.remove();
      }
    }
  }

  private static void closeAll(Map<String, PreparedStatement> statements) {
    for (PreparedStatement ps : statements.values()) {
      try {
        ps.close();
      } catch (SQLException e) {
        log.debug("Closing a kept statement failed: {}", e.toString());
      }
    }
  }
}
