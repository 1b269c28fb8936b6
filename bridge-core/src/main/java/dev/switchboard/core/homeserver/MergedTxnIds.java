package dev.switchboard.core.homeserver;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The txn ids of lines sent inside a merged event, with that event's request. A remote side may deliver a line again
 * under its own txn id (XMPP join history and archive catch-up after a restart), relying on the homeserver's
 * transaction cache to drop it; a line that went inside a merged event never used its own txn id, so the queue sends
 * the merged request again instead, which the homeserver answers from its cache. Kept {@link #RETAIN} (Synapse keeps
 * txn ids 30 minutes): in memory for the look-up, in the tables so a restart still knows them. The request is
 * stored once per batch ({@code outbound_merged_batch}, by the merged event's txn id) and each line only points at
 * it ({@code outbound_merged_line}): the rows are part of the durable commit every merged batch waits for before it
 * is sent, so they stay small. Thread-safe.
 */
final class MergedTxnIds {
  static final Duration RETAIN = Duration.ofHours(1);

  private record Remembered(long at, List<String> txnIds) {}

  /** Line txn id to merged request; a batch's lines share one string. */
  private final Map<String, String> requests = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Remembered> byAge = new ConcurrentLinkedQueue<>();

  private MergedTxnIds() {
  }

  /** Forgets the batches older than {@link #RETAIN} and loads the rest; in the queue's opening transaction. */
  static MergedTxnIds load(Connection c, long nowMs) throws SQLException {
    forgetOld(c, nowMs);
    Map<String, String> batchRequests = new HashMap<>();
    Map<String, Long> batchTimes = new LinkedHashMap<>();
    try (PreparedStatement st = c.prepareStatement(
        "SELECT txn_id, request, created_at FROM outbound_merged_batch ORDER BY created_at");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        batchRequests.put(rs.getString(1), rs.getString(2));
        batchTimes.put(rs.getString(1), rs.getLong(3));
      }
    }
    Map<String, List<String>> linesByBatch = new HashMap<>();
    try (PreparedStatement st = c.prepareStatement("SELECT batch_txn_id, txn_id FROM outbound_merged_line");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        linesByBatch.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
      }
    }
    MergedTxnIds ids = new MergedTxnIds();
    batchTimes.forEach((batch, at) -> {
      List<String> lines = linesByBatch.getOrDefault(batch, List.of());
      lines.forEach(line -> ids.requests.put(line, batchRequests.get(batch)));
      ids.byAge.add(new Remembered(at, lines));
    });
    return ids;
  }

  /**
   * Stores the merged request once under its own txn id {@code batchTxnId}, and the lines' txn ids pointing at it;
   * in the transaction that stores the grouping.
   */
  static void store(Connection c, String batchTxnId, List<String> txnIds, String mergedJson, long nowMs)
      throws SQLException {
    forgetOld(c, nowMs);
    try (PreparedStatement st = c.prepareStatement(
        "INSERT INTO outbound_merged_batch (txn_id, request, created_at) VALUES (?, ?, ?)")) {
      st.setString(1, batchTxnId);
      st.setString(2, mergedJson);
      st.setLong(3, nowMs);
      st.executeUpdate();
    }
    try (PreparedStatement st = c.prepareStatement(
        "INSERT INTO outbound_merged_line (batch_txn_id, txn_id) VALUES (?, ?)")) {
      for (String txnId : txnIds) {
        st.setString(1, batchTxnId);
        st.setString(2, txnId);
        st.addBatch();
      }
      st.executeBatch();
    }
  }

  /** Deletes the batches older than {@link #RETAIN}; their lines' rows go with them (ON DELETE CASCADE). */
  private static void forgetOld(Connection c, long nowMs) throws SQLException {
    try (PreparedStatement st = c.prepareStatement("DELETE FROM outbound_merged_batch WHERE created_at < ?")) {
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
