package dev.switchboard.irc.flood;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.kitteh.irc.client.library.feature.sending.MessageSendingQueue;

/**
 * Kitteh's queue for ordinary outgoing lines, without a thread of its own: lines go out at once while the
 * connection's token bucket has tokens, and a task on the one shared scheduler sends the rest as tokens come back.
 * Kitteh's stock sender ({@code SingleDelaySender}) is a thread per client that waits 1.2 s between every two
 * lines, so a 5,000-byte message (14 lines) took 15 s.
 *
 * <p>PONG never gets here: Kitteh answers PING through its separate immediate queue. Our own keep-alive PING and
 * any PONG still jump the queue and skip the bucket, so a long backlog cannot make the server or Kitteh think the
 * connection is dead.
 */
public final class ScheduledSendQueue implements MessageSendingQueue {
  private final ScheduledExecutorService scheduler;
  private final TokenBucket bucket;
  private final Deque<String> lines = new ArrayDeque<>();
  private Consumer<String> consumer;
  private ScheduledFuture<?> pending;

  public ScheduledSendQueue(FloodControl limits, ScheduledExecutorService scheduler) {
    this(limits, scheduler, System::nanoTime);
  }

  ScheduledSendQueue(FloodControl limits, ScheduledExecutorService scheduler, LongSupplier nanoTime) {
    this.scheduler = scheduler;
    this.bucket = new TokenBucket(limits, nanoTime);
  }

  @Override
  public synchronized void beginSending(Consumer<String> consumer) {
    this.consumer = consumer;
    drain();
  }

  @Override
  public synchronized boolean contains(String line) {
    return lines.contains(line);
  }

  @Override
  public synchronized Optional<Consumer<String>> getConsumer() {
    return Optional.ofNullable(consumer);
  }

  @Override
  public synchronized void pause() {
    consumer = null;
    cancelPending();
  }

  @Override
  public synchronized void queue(String line) {
    if (isKeepAlive(line)) {
      lines.addFirst(line);
    } else {
      lines.addLast(line);
    }
    drain();
  }

  @Override
  public synchronized Queue<String> shutdown() {
    consumer = null;
    cancelPending();
    Queue<String> left = new ArrayDeque<>(lines);
    lines.clear();
    return left;
  }

  /**
   * Takes out the waiting lines {@code which} selects (the same instances, in order) and returns them: lines of a
   * connection that is gone, whose events were failed to run again, must not go out on the next one.
   */
  public synchronized java.util.List<String> discard(java.util.function.Predicate<String> which) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (java.util.Iterator<String> it = lines.iterator(); it.hasNext(); ) {
      String line = it.next();
      if (which.test(line)) {
        it.remove();
        out.add(line);
      }
    }
    return out;
  }

  /** Lines waiting for a token. */
  public synchronized int backlog() {
    return lines.size();
  }

  /** Sends what the bucket allows and, if lines are left, schedules the next round for when a token is back. */
  private void drain() {
    if (consumer == null) {
      return;
    }
    while (!lines.isEmpty()) {
      String next = lines.peekFirst();
      if (!isKeepAlive(next) && !bucket.tryTake()) {
        break;
      }
      lines.pollFirst();
      // Kitteh's consumer hands the line to its connection's immediate queue: quick, never blocking.
      consumer.accept(next);
    }
    if (!lines.isEmpty() && pending == null) {
      long wait = Math.max(1, bucket.nanosUntilNext());
      pending = scheduler.schedule(this::scheduledDrain, wait, TimeUnit.NANOSECONDS);
    }
  }

  private synchronized void scheduledDrain() {
    pending = null;
    drain();
  }

  private void cancelPending() {
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
  }

  private static boolean isKeepAlive(String line) {
    return line.startsWith("PING ") || line.startsWith("PONG ");
  }
}
