package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.GroupCommitter;
import dev.switchboard.core.store.StoreException;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable queue of room writes (table {@code outbound_queue}). A request is committed to the table before it is
 * sent; each room's requests are then sent strictly in order by a per-room lane, one at a time, rooms in parallel.
 * A lane starts its next request as soon as the homeserver accepted (or permanently refused) the previous one; that
 * row's delete follows asynchronously. Rows left by a crash or stop, including accepted ones whose delete had not
 * committed yet, are sent on the next start; their txn ids were derived before they were stored, so the homeserver
 * posts each once.
 *
 * <p>Coalescing: one room gets one send in flight, so a room whose sender writes faster than the homeserver answers
 * would fall behind by a round trip per message. When the lane reaches a plain line its caller allowed to merge
 * ({@link #enqueue(OutboundRequest, boolean)}) and that sender's next lines are already stored and waiting behind it,
 * they go as one multi-line event ({@link CoalescedLines}: same sender and msgtype, no relations, capped in lines and
 * bytes); every line's future completes with that event. The grouping is committed before the send (the head's row
 * becomes the merged request under a txn id of its own, the others' rows are deleted), so a restart resends exactly
 * that event under that txn id ({@link MergedBatches} builds and commits it). Rows left by a previous run never merge:
 * one of them may have been sent already. A line that comes again under its own txn id after it went inside a merged
 * event sends that event again ({@link MergedTxnIds}), so the homeserver's transaction cache still drops the repeat.
 * A room that keeps up never waits for this: a line with nothing behind it is sent alone, at once.
 *
 * <p>Writes are group-committed ({@link GroupCommitter}, on the {@code dbExecutor}): everything waiting (across rooms)
 * commits in one transaction for the inserts and one, without a disk flush, for the deletes. When nothing waits, a
 * write starts at once.
 *
 * <p>The lanes are a {@link KeyedSerialExecutor}'s, one task per request that settles when the request leaves the
 * queue (accepted, refused for good, or never stored); retries with back-off and the token-refused hold keep it
 * unsettled, so the room waits. Three things the queue needs from them: a request's seq is taken in the locked step
 * that queues its task ({@link KeyedSerialExecutor#submit(Object, Runnable, java.util.function.Supplier)}), so a
 * room's seq order is its send order, after a restart too; the executor is direct, so a lane goes on from the HTTP
 * client's completion without a hand-off (measured in docs/benchmarks.md), and an idle room's first send starts on
 * the caller's thread, which only chains it after the row's insert; and the queued requests stay visible in
 * {@code queued}, to be counted ({@link #pending}) and failed at {@link #close}, while every task waits for
 * {@link #start} (the rows a previous run left are queued at open).
 *
 * <p>Threads: JDBC runs on the bounded {@code dbExecutor}; lanes hold no thread while they wait for the homeserver
 * and go on from the HTTP client's completion (no hand-off) after a success; callers' futures complete on the common
 * pool, so a caller's continuation can never stall the queue.
 */
public final class OutboundQueue implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboundQueue.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Rows per group-committed insert or delete transaction. */
  private static final int MAX_BATCH = 512;

  /** Sends one request. Fails with a permanent {@link MatrixException}, or with anything else to be tried again. */
  @FunctionalInterface
  public interface Delivery {
    CompletableFuture<JsonNode> deliver(OutboundRequest request);
  }

  /**
   * A queued request; {@code done} settles its lane's task, when it leaves the queue. {@code mayCoalesce}: the caller
   * allowed it to merge with its neighbours, and it was enqueued in this run (a row left by the last run may have been
   * sent already, so it is only ever sent as it is stored). {@code absorbed}: for a merged batch, the lines after its
   * head, whose tasks end when the batch does.
   */
  private record Entry(long seq, OutboundRequest request, CompletableFuture<JsonNode> result,
      CompletableFuture<Void> persisted, CompletableFuture<Void> done, boolean mayCoalesce, List<Entry> absorbed) {
    Entry(long seq, OutboundRequest request, CompletableFuture<JsonNode> result, CompletableFuture<Void> persisted,
        boolean mayCoalesce) {
      this(seq, request, result, persisted, new CompletableFuture<>(), mayCoalesce, List.of());
    }
  }

  private final Database database;
  private final Executor dbExecutor;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final RetryPolicy redelivery;
  /** Per-room order; direct, so the next request starts on the thread that finished the one before. */
  private final KeyedSerialExecutor<String> rooms = new KeyedSerialExecutor<>(KeyedSerialExecutor.INLINE, "outbound room");
  /** Every request from enqueue until it leaves its lane, by room, in seq (= send) order. */
  private final Map<String, ConcurrentSkipListMap<Long, Entry>> queued = new ConcurrentHashMap<>();
  /** Merged batches sent, and the lines in them (for metrics). */
  private final LongAdder coalescedBatches = new LongAdder();
  private final LongAdder coalescedLines = new LongAdder();
  /** Completed by {@link #start}; every lane's task waits for it. */
  private final CompletableFuture<Delivery> started = new CompletableFuture<>();
  /**
   * Group commit of inserts and of done-deletes: what waits while a write runs goes in the next one, one transaction
   * for many rooms' rows. When nothing waits a write starts at once, so a lone message pays no extra latency.
   */
  private final GroupCommitter<PendingInsert> inserts;
  private final GroupCommitter<Long> deletes;
  private final AtomicLong nextSeq;
  private final MergedBatches mergedBatches;
  private volatile boolean closed;
  private final AtomicBoolean tokenRefused = new AtomicBoolean();

  private OutboundQueue(Database database, Executor dbExecutor, ScheduledExecutorService scheduler, Clock clock,
      RetryPolicy redelivery, long maxSeq, MergedTxnIds mergedTxnIds) {
    this.database = database;
    this.dbExecutor = dbExecutor;
    this.scheduler = scheduler;
    this.clock = clock;
    this.redelivery = redelivery;
    this.nextSeq = new AtomicLong(maxSeq);
    this.mergedBatches = new MergedBatches(database, dbExecutor, clock, mergedTxnIds);
    this.inserts = new GroupCommitter<>("outbound queue inserts", dbExecutor, MAX_BATCH,
        GroupCommitter.OnFailure.FAIL_BATCH, this::writeInserts);
    this.deletes = new GroupCommitter<>("outbound queue deletes of sent requests", dbExecutor, MAX_BATCH,
        GroupCommitter.OnFailure.FAIL_BATCH, this::writeDeletes);
  }

  /**
   * Opens the queue on {@code database} and loads the rows a previous run left; nothing is sent before
   * {@link #start(Delivery)}. Blocks on JDBC: call it at startup, not on an event loop.
   *
   * @param redelivery the backoff between two deliveries of a request whose delivery failed transiently (the
   *     homeserver client retries within one delivery; this covers e.g. a join that gave up)
   */
  public static OutboundQueue open(Database database, Executor dbExecutor, ScheduledExecutorService scheduler,
      Clock clock, RetryPolicy redelivery) {
    List<Entry> leftover = new ArrayList<>();
    List<Long> unreadable = new ArrayList<>();
    MergedTxnIds[] merged = new MergedTxnIds[1];
    long maxSeq = database.inTransaction(c -> {
      merged[0] = MergedTxnIds.load(c, clock.millis());
      long max = 0;
      try (PreparedStatement st = c.prepareStatement(
          "SELECT seq, queue_key, request FROM outbound_queue ORDER BY seq");
          ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          long seq = rs.getLong(1);
          max = Math.max(max, seq);
          try {
            OutboundRequest request = JSON.readValue(rs.getString(3), OutboundRequest.class);
            leftover.add(new Entry(seq, request, new CompletableFuture<>(), CompletableFuture.completedFuture(null),
                false));
          } catch (IOException | IllegalArgumentException e) {
            log.warn("Dropping unreadable queued request {} for {}: {}", seq, rs.getString(2), e.getMessage());
            unreadable.add(seq);
          }
        }
      }
      deleteRows(c, unreadable);
      return max;
    });
    OutboundQueue queue = new OutboundQueue(database, dbExecutor, scheduler, clock, redelivery, maxSeq, merged[0]);
    for (Entry e : leftover) {
      String key = e.request().room().value();
      queue.rooms.submit(key, () -> queue.track(key, e), () -> queue.inOrder(e));
    }
    if (!leftover.isEmpty()) {
      log.info("{} queued request(s) in {} room(s) left from the last run will be sent", leftover.size(),
          leftover.stream().map(e -> e.request().room()).distinct().count());
    }
    return queue;
  }

  /** Starts sending, first what the last run left. */
  public void start(Delivery delivery) {
    if (!started.complete(delivery)) {
      throw new IllegalStateException("outbound queue already started");
    }
  }

  /**
   * Stores {@code request} and sends it after the earlier requests of its room. The future completes with the
   * homeserver's answer, or fails with the {@link MatrixException} that made the homeserver refuse it for good.
   */
  public CompletableFuture<JsonNode> enqueue(OutboundRequest request) {
    return enqueue(request, false);
  }

  /**
   * Like {@link #enqueue(OutboundRequest)}; with {@code mayCoalesce}, a plain line ({@link CoalescedLines}) that is
   * still waiting when its room's lane reaches it may be sent together with its sender's next waiting lines as one
   * multi-line event, and the future then completes with that event's answer. A room that is not behind sends it
   * alone, at once.
   */
  public CompletableFuture<JsonNode> enqueue(OutboundRequest request, boolean mayCoalesce) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("outbound queue closed"));
    }
    String json;
    try {
      json = JSON.writeValueAsString(request);
    } catch (JsonProcessingException e) {
      return CompletableFuture.failedFuture(e);
    }
    String key = request.room().value();
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    CompletableFuture<Void> persisted = new CompletableFuture<>();
    Entry[] added = new Entry[1];
    // The seq is taken in the step that queues the task, so a room's seq order is its send order, after a restart
    // too. The task only chains the send after the insert below, so it may start here, on the caller's thread.
    rooms.submit(key, () -> {
      added[0] = new Entry(nextSeq.incrementAndGet(), request, result, persisted, mayCoalesce);
      track(key, added[0]);
    }, () -> inOrder(added[0]));
    Entry entry = added[0];
    if (closed) {
      // close() may have taken its snapshot before this entry was added; the row is still written below.
      result.completeExceptionally(new IllegalStateException("outbound queue closed"));
    }
    inserts.add(new PendingInsert(entry, key, json, clock.millis())).whenComplete((ok, e) -> {
      if (e == null) {
        persisted.complete(null);
        return;
      }
      if (!(e instanceof RejectedExecutionException)) {
        log.error("Could not queue {} for {}: {}", request.describe(), key, e.getMessage());
      }
      persisted.completeExceptionally(e);
      result.completeExceptionally(e);
    });
    return result;
  }

  /** Requests waiting or in flight, over all rooms. */
  public int pending() {
    return queued.values().stream().mapToInt(Map::size).sum();
  }

  /** Merged multi-line events sent since start. */
  public long coalescedBatches() {
    return coalescedBatches.sum();
  }

  /** Lines sent inside merged events since start. */
  public long coalescedLines() {
    return coalescedLines.sum();
  }

  /** Adds the entry to its room's queued requests; in the lane's locked step, so in seq order. */
  private void track(String key, Entry entry) {
    queued.compute(key, (k, lane) -> {
      ConcurrentSkipListMap<Long, Entry> l = lane == null ? new ConcurrentSkipListMap<>() : lane;
      l.put(entry.seq(), entry);
      return l;
    });
  }

  private void untrack(String key, long seq) {
    queued.computeIfPresent(key, (k, lane) -> {
      lane.remove(seq);
      return lane.isEmpty() ? null : lane;
    });
  }

  private record PendingInsert(Entry entry, String key, String json, long createdAt) {}

  /** One transaction (one disk flush) for all the inserts that waited together. */
  private void writeInserts(List<PendingInsert> batch) {
    database.inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "INSERT INTO outbound_queue (seq, queue_key, request, attempts, created_at) VALUES (?, ?, ?, 0, ?)")) {
        for (PendingInsert p : batch) {
          st.setLong(1, p.entry().seq());
          st.setString(2, p.key());
          st.setString(3, p.json());
          st.setLong(4, p.createdAt());
          st.addBatch();
        }
        st.executeBatch();
      }
      return null;
    });
  }

  /**
   * Relaxed (no disk flush): a delete lost to a power cut only makes the next start send that row again under its
   * stored txn id, which the homeserver answers from its transaction cache without posting twice. Deletes commit in
   * the order they were asked for, so after a crash what is sent again is a lane's latest accepted rows, never an
   * older one after a newer.
   */
  private void writeDeletes(List<Long> batch) {
    database.inRelaxedTransaction(c -> {
      deleteRows(c, batch);
      return null;
    });
  }

  /**
   * Hands the sent row's delete to its group commit. If it fails (logged by the committer), or the executor has
   * stopped, the row stays and is sent again on the next start, under its txn id: harmless.
   */
  private void delete(long seq) {
    deletes.add(seq);
  }

  /**
   * The entry's task in its room's lane, started once the earlier ones left the queue: sends it once the queue has
   * started and its row is stored; settles when it leaves the queue.
   */
  private CompletableFuture<Void> inOrder(Entry queuedEntry) {
    if (queuedEntry.done().isDone()) {
      return queuedEntry.done(); // a line sent inside an earlier batch
    }
    Entry entry = againInItsBatch(queuedEntry);
    started.thenAccept(delivery -> {
      if (!entry.mayCoalesce()) {
        send(delivery, entry, 0);
        return;
      }
      entry.persisted().whenComplete((v, e) -> {
        List<Entry> behind = e == null ? linesBehind(entry) : List.of();
        if (behind.isEmpty()) {
          send(delivery, entry, 0);
        } else {
          coalesce(delivery, entry, behind);
        }
      });
    });
    return entry.done();
  }

  /**
   * A line that already went inside a merged event, come again under its own txn id (a remote history replay): the
   * merged request goes again instead, so the homeserver answers it from its transaction cache.
   */
  private Entry againInItsBatch(Entry entry) {
    OutboundRequest batch = mergedBatches.mergedRequestOf(entry.request());
    if (batch == null) {
      return entry;
    }
    log.debug("{} in {} was sent inside a merged event: sending that again", entry.request().describe(),
        entry.request().room());
    return new Entry(entry.seq(), batch, entry.result(), entry.persisted(), entry.done(), false, List.of());
  }

  /**
   * The stored lines right behind {@code head} in its lane that may go in one event with it: only what already
   * waits (the room is behind), so a room that keeps up sends each line alone, without waiting.
   */
  private List<Entry> linesBehind(Entry head) {
    CoalescedLines batch = CoalescedLines.headedBy(head.request());
    ConcurrentSkipListMap<Long, Entry> lane = queued.get(head.request().room().value());
    if (batch == null || lane == null) {
      return List.of();
    }
    List<Entry> behind = new ArrayList<>();
    for (Entry next : lane.tailMap(head.seq(), false).values()) {
      boolean stored = next.persisted().isDone() && !next.persisted().isCompletedExceptionally();
      if (!next.mayCoalesce() || !stored || mergedBatches.wentInABatch(next.request()) || next.result().isDone()
          || !batch.add(next.request())) {
        break;
      }
      behind.add(next);
    }
    return behind;
  }

  /**
   * Sends {@code head} and the lines {@code behind} it as one event once the grouping is committed
   * ({@link MergedBatches#group}); if it could not be, the head goes alone and the others follow in their turn.
   */
  private void coalesce(Delivery delivery, Entry head, List<Entry> behind) {
    List<OutboundRequest.SendEvent> lines = new ArrayList<>();
    lines.add((OutboundRequest.SendEvent) head.request());
    behind.forEach(e -> lines.add((OutboundRequest.SendEvent) e.request()));
    mergedBatches.group(head.seq(), behind.stream().map(Entry::seq).toList(), lines).whenComplete((merged, e) -> {
      if (e == null) {
        send(delivery, batchOf(head, merged, behind), 0);
      } else {
        send(delivery, head, 0);
      }
    });
  }

  /** The merged batch takes the head's place in its lane; its answer is every line's. */
  private Entry batchOf(Entry head, OutboundRequest.SendEvent merged, List<Entry> behind) {
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    Entry batch = new Entry(head.seq(), merged, answer, head.persisted(), head.done(), false, List.copyOf(behind));
    String key = head.request().room().value();
    queued.computeIfPresent(key, (k, lane) -> {
      lane.put(head.seq(), batch);
      behind.forEach(e -> lane.remove(e.seq()));
      return lane;
    });
    answer.whenComplete((ok, error) -> {
      java.util.stream.Stream.concat(java.util.stream.Stream.of(head), behind.stream()).forEach(line -> {
        if (error == null) {
          line.result().complete(ok);
        } else {
          line.result().completeExceptionally(error);
        }
      });
    });
    coalescedBatches.increment();
    coalescedLines.add(behind.size() + 1L);
    log.debug("{} lines of {} in {} sent as one event (the room is behind)", behind.size() + 1,
        merged.sender(), merged.room());
    return batch;
  }

  /** One delivery of the entry, after {@code failures} failed ones. */
  private void send(Delivery delivery, Entry entry, int failures) {
    if (closed) {
      return;
    }
    try {
      entry.persisted()
          .thenCompose(v -> delivery.deliver(entry.request()))
          .whenComplete((answer, error) -> {
            if (error == null) {
              // The common case costs no hand-off: the next request of the lane starts from here.
              accepted(entry, answer);
            } else {
              try {
                dbExecutor.execute(() -> finish(delivery, entry, error, failures + 1));
              } catch (RejectedExecutionException e) {
                log.debug("Outbound queue executor stopped; {} stays queued", entry.seq());
              }
            }
          });
    } catch (RejectedExecutionException e) {
      // Only at shutdown: the row stays and is sent on the next start.
      log.debug("Outbound queue executor stopped; {} stays queued", entry.seq());
    }
  }

  /**
   * The homeserver accepted the lane's head: the next request starts at once and the row's delete is handed to the
   * writer. A crash before the delete commits sends the row again on the next start under the txn id stored in it.
   */
  private void accepted(Entry entry, JsonNode answer) {
    tokenRefused.set(false);
    delete(entry.seq());
    ForkJoinPool.commonPool().execute(() -> entry.result().complete(answer));
    advance(entry);
  }

  /** Runs on the db executor once a delivery failed (or its row could not be stored), the {@code failures}th time. */
  private void finish(Delivery delivery, Entry entry, Throwable error, int failures) {
    if (entry.persisted().isCompletedExceptionally()) {
      advance(entry);
      return;
    }
    Throwable cause = HomeserverClient.unwrap(error);
    if (closed) {
      return;
    }
    if (cause instanceof MatrixException m && (m.is("M_UNKNOWN_TOKEN") || m.is("M_MISSING_TOKEN"))) {
      // A configuration fault the admin will fix; the messages must outlive it.
      if (tokenRefused.compareAndSet(false, true)) {
        log.warn("The homeserver does not accept the bridge's as_token ({}): messages stay queued until it does. "
            + "Check that the homeserver loads this bridge's registration file and was restarted after it changed",
            m.errcode());
      }
    } else if (isPermanent(cause)) {
      OutboundRequest r = entry.request();
      if (cause instanceof MatrixException m) {
        log.warn("Dropped {} from {} in {}: the homeserver refused it ({} {}: {})", r.describe(), r.sender(),
            r.room(), m.status(), m.errcode(), m.error());
      } else {
        log.warn("Dropped {} from {} in {}: it cannot be sent", r.describe(), r.sender(), r.room(), cause);
      }
      delete(entry.seq());
      ForkJoinPool.commonPool().execute(() -> entry.result().completeExceptionally(cause));
      advance(entry);
      return;
    }
    Duration delay = redelivery.delayAfter(failures, ThreadLocalRandom.current());
    log.debug("Delivery of queued {} in {} failed ({}); again in {} ms", entry.request().describe(),
        entry.request().room(), cause.toString(), delay.toMillis());
    countAttempt(entry);
    try {
      scheduler.schedule(() -> send(delivery, entry, failures), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("Scheduler stopped; {} stays queued", entry.seq());
    }
  }

  /** Retrying cannot help: the homeserver said no for good, or the request cannot be built at all. */
  private static boolean isPermanent(Throwable cause) {
    if (cause instanceof MatrixException m) {
      return m.isPermanent();
    }
    // Network errors, and a client or scheduler shutting down, are worth another try.
    return !(cause instanceof IOException || cause instanceof IllegalStateException
        || cause instanceof RejectedExecutionException);
  }

  /** The entry leaves the queue; its room's next request starts on this thread. */
  private void advance(Entry entry) {
    untrack(entry.request().room().value(), entry.seq());
    // The batch's other lines first: their tasks, behind this one, then end at once.
    entry.absorbed().forEach(line -> line.done().complete(null));
    entry.done().complete(null);
  }

  static void deleteRows(java.sql.Connection c, List<Long> seqs) throws java.sql.SQLException {
    if (seqs.isEmpty()) {
      return;
    }
    try (PreparedStatement st = c.prepareStatement("DELETE FROM outbound_queue WHERE seq = ?")) {
      for (long seq : seqs) {
        st.setLong(1, seq);
        st.addBatch();
      }
      st.executeBatch();
    }
  }

  private void countAttempt(Entry entry) {
    try {
      database.inTransaction(c -> {
        try (PreparedStatement st = c.prepareStatement(
            "UPDATE outbound_queue SET attempts = attempts + 1 WHERE seq = ?")) {
          st.setLong(1, entry.seq());
          st.executeUpdate();
        }
        return null;
      });
    } catch (StoreException e) {
      log.debug("Could not count an attempt of {}: {}", entry.seq(), e.getMessage());
    }
  }

  /**
   * Stops sending. Waiting callers' futures fail, but their rows stay and are sent on the next start. Close this
   * before the homeserver client, the executors and the database.
   */
  @Override
  public void close() {
    closed = true;
    IllegalStateException stopped =
        new IllegalStateException("outbound queue closed; the request stays queued and is sent after restart");
    for (ConcurrentSkipListMap<Long, Entry> lane : queued.values()) {
      for (Entry e : lane.values()) {
        e.result().completeExceptionally(stopped);
      }
    }
  }
}
