package dev.switchboard.core.inbox;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
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
  private final SecretScrubber secrets;
  private final Counter received;
  private final Counter duplicate;
  private final Counter rejected;
  private final Counter eventsReceived;
  private final Counter eventsSeenBefore;
  private final Counter eventsMalformed;

  public Inbox(InboxStore store, Dispatcher dispatcher, com.fasterxml.jackson.databind.ObjectMapper json) {
    this(store, dispatcher, json, new CompositeMeterRegistry());
  }

  public Inbox(InboxStore store, Dispatcher dispatcher, com.fasterxml.jackson.databind.ObjectMapper json,
      MeterRegistry metrics) {
    this(store, dispatcher, json, metrics, SecretScrubber.NONE);
  }

  /** @param secrets takes secrets (command passwords) out of what is stored */
  public Inbox(InboxStore store, Dispatcher dispatcher, com.fasterxml.jackson.databind.ObjectMapper json,
      MeterRegistry metrics, SecretScrubber secrets) {
    this.json = json;
    this.secrets = secrets;
    this.store = store;
    this.dispatcher = dispatcher;
    this.received = Counter.builder("switchboard.transactions.received")
        .description("Transactions stored (or recognised as retries) and acknowledged").register(metrics);
    this.duplicate = Counter.builder("switchboard.transactions.duplicate")
        .description("Transactions that were true retries of one already stored").register(metrics);
    this.rejected = Counter.builder("switchboard.transactions.rejected")
        .description("Transaction bodies refused with 400 (not a transaction)").register(metrics);
    this.eventsReceived = Counter.builder("switchboard.events.received")
        .description("New events stored for dispatch").register(metrics);
    this.eventsSeenBefore = Counter.builder("switchboard.events.skipped").tag("reason", "duplicate")
        .description("Events not stored: seen before, or malformed").register(metrics);
    this.eventsMalformed = Counter.builder("switchboard.events.skipped").tag("reason", "malformed")
        .description("Events not stored: seen before, or malformed").register(metrics);
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
    return receive(txnId, rawBody, outcome -> { });
  }

  /**
   * As {@link #receive(String, byte[])}, calling {@code stored} as soon as the commit is done and before the new
   * events are queued for dispatch: the acknowledgement can be on its way while dispatch is being woken up.
   */
  public Outcome receive(String txnId, byte[] rawBody, java.util.function.Consumer<Outcome> stored)
      throws java.io.IOException {
    ParsedTransaction txn;
    try {
      txn = TransactionParser.parse(txnId, rawBody, json);
    } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
      rejected.increment();
      throw e;
    }
    String digest = sha256(rawBody);
    txn = secrets.storable(txn, json);
    synchronized (order) {
      Optional<List<InboxEntry>> fresh = store.ingest(txnId, digest, txn);
      received.increment();
      if (fresh.isEmpty()) {
        duplicate.increment();
        log.debug("Transaction {} already received; nothing to do", txnId);
        Outcome outcome = new Outcome(true, 0, 0, txn.skipped());
        stored.accept(outcome);
        return outcome;
      }
      int count = fresh.get().size();
      Outcome outcome = new Outcome(false, count, txn.events().size() - count, txn.skipped());
      stored.accept(outcome);
      // Still under the lock: dispatch must see transactions in the order they were committed.
      dispatcher.submit(fresh.get());
      eventsReceived.increment(count);
      eventsSeenBefore.increment(txn.events().size() - count);
      eventsMalformed.increment(txn.skipped());
      return outcome;
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
