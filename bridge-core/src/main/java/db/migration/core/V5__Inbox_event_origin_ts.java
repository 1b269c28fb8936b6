package db.migration.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.inbox.InboxStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Keys stored events by {@code (origin_ts, event_id)} instead of {@code event_id} alone, so the unique index grows at
 * its end instead of at a random place per event (see {@link InboxStore#originTs}).
 *
 * <p>A Java migration because the stored events need their timestamp filled in exactly as {@link InboxStore} computes
 * it for new ones: a repeat of a stored event must meet the same key, or it would be dispatched twice. SQL JSON
 * functions differ between the engines and from Jackson at the edges (strings, fractions, 19-digit numbers). Rows
 * are read in pages of {@value #PAGE} by sequence number, so the table never has to fit in memory.
 */
public class V5__Inbox_event_origin_ts extends BaseJavaMigration {
  private static final int PAGE = 1000;

  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE inbox_event ADD COLUMN origin_ts BIGINT NOT NULL DEFAULT 0");
    }
    ObjectMapper json = new ObjectMapper();
    long after = Long.MIN_VALUE;
    while (true) {
      long last = fillPage(c, json, after);
      if (last == after) {
        break;
      }
      after = last;
    }
    try (Statement s = c.createStatement()) {
      s.execute("DROP INDEX inbox_event_id");
      s.execute("CREATE UNIQUE INDEX inbox_event_key ON inbox_event (origin_ts, event_id)");
    }
  }

  /** Fills the column for the next page of events after seq {@code after}; returns the last seq read. */
  private static long fillPage(Connection c, ObjectMapper json, long after) throws SQLException {
    long last = after;
    try (PreparedStatement select = c.prepareStatement("SELECT seq, body FROM inbox_event "
            + "WHERE seq > ? AND event_id IS NOT NULL ORDER BY seq LIMIT " + PAGE);
        PreparedStatement update = c.prepareStatement("UPDATE inbox_event SET origin_ts = ? WHERE seq = ?")) {
      select.setLong(1, after);
      int batched = 0;
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          last = rs.getLong(1);
          long ts = InboxStore.originTs(parse(json, rs.getString(2)));
          if (ts != 0L) {
            update.setLong(1, ts);
            update.setLong(2, last);
            update.addBatch();
            batched++;
          }
        }
      }
      if (batched > 0) {
        update.executeBatch();
      }
    }
    return last;
  }

  /** The stored body, or null if it no longer parses (it did when it was stored): its key stays 0. */
  private static JsonNode parse(ObjectMapper json, String body) {
    try {
      return json.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return null;
    }
  }
}
