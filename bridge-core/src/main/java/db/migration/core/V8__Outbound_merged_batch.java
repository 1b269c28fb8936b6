package db.migration.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Stores a merged multi-line event's request once per batch instead of once per line: V7's
 * {@code outbound_merged_txn} kept the whole merged request (up to 16 KiB) in each of its up to 20 lines' rows,
 * all written in the durable commit a merged batch waits for before it is sent. Now {@code outbound_merged_batch}
 * holds the request once, keyed by the batch's own txn id, and {@code outbound_merged_line} maps each line's txn id
 * to it; deleting a batch row (past its hour) deletes its lines' rows with it.
 *
 * <p>The rows V7 holds (an hour's worth at most) are converted, not dropped: a line merged just before the upgrade
 * and delivered again just after it must still send its merged event again, or the homeserver would post it twice.
 * A Java migration because the batch's txn id is inside the stored request's JSON, and the engines' SQL JSON
 * functions differ; a row whose request no longer reads (it did when it was stored) is dropped, which only loses
 * that protection for its line, as the hour running out would. Rows are read {@value #PAGE} at a time.
 */
public class V8__Outbound_merged_batch extends BaseJavaMigration {
  private static final int PAGE = 500;

  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE outbound_merged_batch ("
          + " txn_id TEXT NOT NULL PRIMARY KEY,"
          + " request TEXT NOT NULL,"
          + " created_at BIGINT NOT NULL)");
      s.execute("CREATE INDEX outbound_merged_batch_created ON outbound_merged_batch (created_at)");
      // Keyed by batch first: the cascade from a forgotten batch finds its lines by this key.
      s.execute("CREATE TABLE outbound_merged_line ("
          + " batch_txn_id TEXT NOT NULL REFERENCES outbound_merged_batch (txn_id) ON DELETE CASCADE,"
          + " txn_id TEXT NOT NULL,"
          + " PRIMARY KEY (batch_txn_id, txn_id))");
    }
    convert(c);
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE outbound_merged_txn");
    }
  }

  /** Copies V7's rows: each batch's request once (from its first line's row), and every line's txn id. */
  private static void convert(Connection c) throws SQLException {
    ObjectMapper json = new ObjectMapper();
    Set<String> batches = new HashSet<>();
    try (PreparedStatement select = c.prepareStatement(
            "SELECT txn_id, request, created_at FROM outbound_merged_txn ORDER BY created_at");
        PreparedStatement batch = c.prepareStatement(
            "INSERT INTO outbound_merged_batch (txn_id, request, created_at) VALUES (?, ?, ?)");
        PreparedStatement line = c.prepareStatement(
            "INSERT INTO outbound_merged_line (batch_txn_id, txn_id) VALUES (?, ?)")) {
      select.setFetchSize(PAGE);
      int batched = 0;
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          String batchTxnId = batchTxnId(json, rs.getString(2));
          if (batchTxnId == null) {
            continue;
          }
          if (batches.add(batchTxnId)) {
            batch.setString(1, batchTxnId);
            batch.setString(2, rs.getString(2));
            batch.setLong(3, rs.getLong(3));
            batch.executeUpdate();
          }
          line.setString(1, batchTxnId);
          line.setString(2, rs.getString(1));
          line.addBatch();
          if (++batched == PAGE) {
            line.executeBatch();
            batched = 0;
          }
        }
      }
      if (batched > 0) {
        line.executeBatch();
      }
    }
  }

  /** The merged request's own txn id, or null if the stored request no longer reads as one. */
  private static String batchTxnId(ObjectMapper json, String request) {
    try {
      JsonNode txnId = json.readTree(request).path("txn_id");
      return txnId.isTextual() ? txnId.asText() : null;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return null;
    }
  }
}
