package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.StoreException;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable side of coalescing in the {@link OutboundQueue}: builds one merged event from a room's waiting lines and
 * commits the grouping before anything is sent, and finds the merged request a line went in when that line comes
 * again. Apart from the queue because it is the one step that must be crash-safe on its own (the lines' rows become
 * one row in one transaction, with the {@link MergedTxnIds} of the lines), while the queue's lanes only decide which
 * lines wait together and send what this returns.
 */
final class MergedBatches {
  private static final Logger log = LoggerFactory.getLogger(MergedBatches.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Database database;
  private final Executor dbExecutor;
  private final Clock clock;
  private final MergedTxnIds mergedTxnIds;

  MergedBatches(Database database, Executor dbExecutor, Clock clock, MergedTxnIds mergedTxnIds) {
    this.database = database;
    this.dbExecutor = dbExecutor;
    this.clock = clock;
    this.mergedTxnIds = mergedTxnIds;
  }

  /**
   * Merges the lines stored at {@code headSeq} and {@code behindSeqs} (in send order, the head's first) into one event
   * and makes the grouping durable in one transaction on the db executor: the head's row becomes the merged request
   * (with its own txn id) and the other lines' rows go. A crash before that commit leaves the lines as they were, none
   * sent; after it, the next start sends the merged row under the same txn id, which the homeserver posts once.
   * Completes with the merged request once committed, or fails (logged here) when the head must go alone.
   */
  CompletableFuture<OutboundRequest.SendEvent> group(long headSeq, List<Long> behindSeqs,
      List<OutboundRequest.SendEvent> lines) {
    OutboundRequest.SendEvent merged = CoalescedLines.merge(lines);
    List<String> txnIds = lines.stream().map(OutboundRequest.SendEvent::txnId).toList();
    OutboundRequest head = lines.get(0);
    CompletableFuture<OutboundRequest.SendEvent> committed = new CompletableFuture<>();
    try {
      String json = JSON.writeValueAsString(merged);
      dbExecutor.execute(() -> {
        long now = clock.millis();
        try {
          database.inTransaction(c -> {
            try (PreparedStatement st = c.prepareStatement("UPDATE outbound_queue SET request = ? WHERE seq = ?")) {
              st.setString(1, json);
              st.setLong(2, headSeq);
              if (st.executeUpdate() != 1) {
                throw new SQLException("row " + headSeq + " is not stored");
              }
            }
            OutboundQueue.deleteRows(c, behindSeqs);
            MergedTxnIds.store(c, merged.txnId(), txnIds, json, now);
            return null;
          });
        } catch (StoreException e) {
          log.warn("Could not store a batch of {} lines in {}; sending them one by one: {}", lines.size(),
              head.room(), e.getMessage());
          committed.completeExceptionally(e);
          return;
        }
        mergedTxnIds.remember(txnIds, json, now);
        committed.complete(merged);
      });
    } catch (JsonProcessingException | RejectedExecutionException e) {
      log.debug("Could not merge {} lines in {} ({}); sending them one by one", lines.size(), head.room(),
          e.toString());
      committed.completeExceptionally(e);
    }
    return committed;
  }

  /** Whether {@code request} is a line that already went inside a merged event. */
  boolean wentInABatch(OutboundRequest request) {
    return request instanceof OutboundRequest.SendEvent send && mergedTxnIds.mergedRequestOf(send.txnId()) != null;
  }

  /**
   * The merged request that {@code request}, a line come again under its own txn id (a remote history replay), went
   * inside, to be sent again instead so the homeserver answers it from its transaction cache; null when it went in
   * none, or when the stored request no longer reads (the line then goes as it is).
   */
  OutboundRequest mergedRequestOf(OutboundRequest request) {
    String merged = request instanceof OutboundRequest.SendEvent send
        ? mergedTxnIds.mergedRequestOf(send.txnId()) : null;
    if (merged == null) {
      return null;
    }
    try {
      return JSON.readValue(merged, OutboundRequest.class);
    } catch (IOException | IllegalArgumentException e) {
      log.warn("Unreadable merged request for a line in {}: sending the line as it is: {}", request.room(),
          e.getMessage());
      return null;
    }
  }
}
