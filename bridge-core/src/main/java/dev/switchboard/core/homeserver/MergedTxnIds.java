package dev.switchboard.core.homeserver;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The txn ids of lines sent inside a merged event (table {@code outbound_merged_txn}), with that event's request.
 * A remote side may deliver a line again under its own txn id (XMPP join history and archive catch-up after a
 * restart), relying on the homeserver's transaction cache to drop it; a line that went inside a merged event never
 * used its own txn id, so the queue sends the merged request again instead, which the homeserver answers from its
 * cache. Kept {@link #RETAIN} (Synapse keeps txn ids 30 minutes): in memory for the look-up, in the table so a
 * restart still knows them. Thread-safe.
 */
final class MergedTxnIds {
  static final Duration RETAIN = Duration.ofHours(1);

  private record Remembered(long at, List<String> txnIds) {}

  private final Map<String, String> requests = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Remembered> byAge = new ConcurrentLinkedQueue<>();

  private MergedTxnIds() {
  }

  /** Drops the rows older than {@link #RETAIN} and loads the rest; in the queue's opening transaction. */
  static MergedTxnIds load(Connection c, long nowMs) throws SQLException {
    MergedTxnIds ids = new MergedTxnIds();
    forgetOld(c, nowMs);
    try (PreparedStatement st = c.prepareStatement(
        "SELECT txn_id, request, created_at FROM outbound_merged_txn ORDER BY created_at");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        ids.requests.put(rs.getString(1), rs.getString(2));
        ids.byAge.add(new Remembered(rs.getLong(3), List.of(rs.getString(1))));
      }
    }
    return ids;
  }

  /** Stores the lines' txn ids with the merged request; in the transaction that stores the grouping. */
  static void store(Connection c, List<String> txnIds, String mergedJson, long nowMs) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(
        "INSERT INTO outbound_merged_txn (txn_id, request, created_at) VALUES (?, ?, ?)")) {
      for (String txnId : txnIds) {
        st.setString(1, txnId);
        st.setString(2, mergedJson);
        st.setLong(3, nowMs);
        st.addBatch();
      }
      st.executeBatch();
    }
    forgetOld(c, nowMs);
  }

  private static void forgetOld(Connection c, long nowMs) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("DELETE FROM outbound_merged_txn WHERE created_at < ?")) {
      st.setLong(1, nowMs - RETAIN.toMillis());
      st.executeUpdate();
    }
  }

  /** Remembers what {@link #store} committed, and forgets what is older than {@link #RETAIN}. */
  void remember(List<String> txnIds, String mergedJson, long nowMs) {
    txnIds.forEach(id -> requests.put(id, mergedJson));
    byAge.add(new Remembered(nowMs, txnIds));
    for (Remembered oldest = byAge.peek(); oldest != null && oldest.at() < nowMs - RETAIN.toMillis();
        oldest = byAge.peek()) {
      if (byAge.remove(oldest)) {
        oldest.txnIds().forEach(requests::remove);
      }
    }
  }

  /** The merged request a line with this txn id went in, as stored; null if it went in none. */
  String mergedRequestOf(String txnId) {
    return requests.get(txnId);
  }
}
