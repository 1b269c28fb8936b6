package dev.switchboard.core.inbox;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Receives transactions: stores them durably, then queues their new events for dispatch. */
public final class Inbox {
  private static final Logger log = LoggerFactory.getLogger(Inbox.class);

  /** What became of a received transaction. */
  public record Outcome(boolean duplicate, int stored, int alreadySeen, int skipped) {}

  private final InboxStore store;
  private final Dispatcher dispatcher;
  private final Object order = new Object();

  private final com.fasterxml.jackson.databind.ObjectMapper json;

  public Inbox(InboxStore store, Dispatcher dispatcher, com.fasterxml.jackson.databind.ObjectMapper json) {
    this.json = json;
    this.store = store;
    this.dispatcher = dispatcher;
  }

  /**
   * Stores the transaction in one commit and queues its new events. Returns once the commit is done, so the
   * caller may acknowledge. Blocking: call it off the event loop.
   *
   * @param rawBody the body exactly as received; its SHA-256 tells a true retry from a reused txn id
   * @throws com.fasterxml.jackson.core.JsonProcessingException when the body is not JSON
   * @throws IllegalArgumentException when the body is not a transaction
   */
  public Outcome receive(String txnId, byte[] rawBody) throws java.io.IOException {
    ParsedTransaction txn = TransactionParser.parse(txnId, rawBody, json);
    String digest = sha256(rawBody);
    synchronized (order) {
      Optional<List<InboxEntry>> fresh = store.ingest(txnId, digest, txn);
      if (fresh.isEmpty()) {
        log.debug("Transaction {} already received; nothing to do", txnId);
        return new Outcome(true, 0, 0, txn.skipped());
      }
      dispatcher.submit(fresh.get());
      int stored = fresh.get().size();
      return new Outcome(false, stored, txn.events().size() - stored, txn.skipped());
    }
  }

  static String sha256(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
