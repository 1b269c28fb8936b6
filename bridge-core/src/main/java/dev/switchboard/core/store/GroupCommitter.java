package dev.switchboard.core.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: items added while a write runs go together in the next one, so a busy bridge pays one database
 * commit (one disk flush) per batch instead of one per row. One drainer at a time, on the given executor; items commit
 * in the order they were added. When nothing is being written, an item starts a write at once: a lone item pays no
 * extra latency.
 *
 * <p>A failed write either fails its batch's items ({@link OnFailure#FAIL_BATCH}; later batches go on) or is retried
 * with back-off before any later batch is written ({@link OnFailure#RETRY_IN_ORDER}), for records whose order is a
 * guarantee (what is committed is always a prefix of what was added).
 */
public final class GroupCommitter<T> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);
  private static final long FIRST_RETRY_MS = 100;
  private static final long LAST_RETRY_MS = 10_000;
  private static final long CLOSE_WAIT_MS = 5_000;

  /** Writes one batch in ONE transaction; throws when nothing of it was committed. */
  @FunctionalInterface
  public interface BatchWriter<T> {
    void write(List<T> batch) throws Exception;
  }

  /** What a failed write means for its batch. */
  public enum OnFailure {
    /** The batch's items fail with the writer's exception; later batches are written. */
    FAIL_BATCH,
    /** The batch is written again (back-off from 100 ms, doubling, at most 10 s) before any later batch. */
    RETRY_IN_ORDER
  }

  private record Pending<T>(T item, CompletableFuture<Void> committed) {}

  private final String name;
  private final Executor executor;
  private final int maxBatch;
  private final OnFailure onFailure;
  private final BatchWriter<T> writer;
  private final ConcurrentLinkedQueue<Pending<T>> queue = new ConcurrentLinkedQueue<>();
  /** Items queued or in the batch being written. */
  private final AtomicInteger unwritten = new AtomicInteger();
  private final AtomicBoolean draining = new AtomicBoolean();
  /** Counted down by {@link #close}: cuts a retry's back-off short. */
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile boolean closed;

  /**
   * @param name what the items are, for logs (e.g. {@code "inbox progress marks"})
   * @param executor runs the drainer; JDBC blocks it, so a bounded executor meant for blocking work
   * @param maxBatch at most this many items per write
   */
  public GroupCommitter(String name, Executor executor, int maxBatch, OnFailure onFailure, BatchWriter<T> writer) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
    }
    this.name = name;
    this.executor = executor;
    this.maxBatch = maxBatch;
    this.onFailure = onFailure;
    this.writer = writer;
  }

  /**
   * Queues {@code item}; the future completes once it is committed, or fails with the writer's exception
   * ({@link OnFailure#FAIL_BATCH}, or after {@link #close}), or with {@link RejectedExecutionException} when the
   * executor has stopped.
   */
  public CompletableFuture<Void> add(T item) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException(name + ": closed"));
    }
    CompletableFuture<Void> committed = enqueue(item);
    startDrain();
    return committed;
  }

  /** Queues {@code items} in their order; the future completes once all are committed (fails as {@link #add}). */
  public CompletableFuture<Void> addAll(Collection<? extends T> items) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException(name + ": closed"));
    }
    if (items.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<Void>> all = new ArrayList<>(items.size());
    for (T item : items) {
      all.add(enqueue(item));
    }
    startDrain();
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /** Items queued or being written, for back-pressure. */
  public int unwritten() {
    return unwritten.get();
  }

  private CompletableFuture<Void> enqueue(T item) {
    Pending<T> p = new Pending<>(item, new CompletableFuture<>());
    unwritten.incrementAndGet();
    queue.add(p);
    return p.committed();
  }

  private void startDrain() {
    if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        draining.set(false);
        log.debug("{}: executor stopped, queued items not written", name);
        List<Pending<T>> dropped = take(Integer.MAX_VALUE);
        settle(dropped, e);
      }
    }
  }

  private void drain() {
    try {
      for (List<Pending<T>> batch = take(maxBatch); !batch.isEmpty(); batch = take(maxBatch)) {
        write(batch);
      }
    } finally {
      draining.set(false);
    }
    startDrain(); // items added after the last take but before the flag went down
  }

  private List<Pending<T>> take(int max) {
    List<Pending<T>> batch = new ArrayList<>();
    Pending<T> p;
    while (batch.size() < max && (p = queue.poll()) != null) {
      batch.add(p);
    }
    return batch;
  }

  private void write(List<Pending<T>> batch) {
    List<T> items = batch.stream().map(Pending::item).toList();
    long delay = FIRST_RETRY_MS;
    while (true) {
      try {
        writer.write(items);
        settle(batch, null);
        return;
      } catch (Exception e) {
        if (onFailure == OnFailure.FAIL_BATCH || closed) {
          log.warn("{}: could not commit {} item(s): {}", name, batch.size(), e.toString());
          settle(batch, e);
          return;
        }
        // Later items wait rather than commit ahead of these.
        log.warn("{}: cannot commit {} item(s), retrying in {} ms: {}", name, batch.size(), delay, e.toString());
        try {
          closing.await(delay, TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          settle(batch, interrupted);
          return;
        }
        delay = Math.min(delay * 2, LAST_RETRY_MS);
      }
    }
  }

  private void settle(List<Pending<T>> batch, Exception failure) {
    unwritten.addAndGet(-batch.size());
    for (Pending<T> p : batch) {
      if (failure == null) {
        p.committed().complete(null);
      } else {
        p.committed().completeExceptionally(failure);
      }
    }
    if (closed) {
      synchronized (this) {
        notifyAll();
      }
    }
  }

  /**
   * Stops retrying and waits (at most 5 s) until what was queued has been written once (committed, or failed);
   * items added afterwards fail at once. A committer on a shared executor that outlives its users need not be closed.
   */
  @Override
  public void close() {
    closed = true;
    closing.countDown();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
    synchronized (this) {
      long left;
      while (unwritten.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
