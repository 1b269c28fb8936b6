package dev.switchboard.irc.puppet;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs tasks on {@code target} in the order given, at most {@code perSecond} a second, queueing the rest: puppets'
 * connects and reconnects go through one per network, so a thousand users speaking at once, or every puppet coming
 * back after the server restarted, never becomes a connection storm the server would throttle or K-line.
 */
public final class PacedExecutor implements Executor {
  private final long intervalNanos;
  private final ScheduledExecutorService scheduler;
  private final Executor target;
  private final LongSupplier nanoTime;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private long nextSlot;
  private boolean scheduled;

  public PacedExecutor(double perSecond, ScheduledExecutorService scheduler, Executor target, LongSupplier nanoTime) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("rate must be above 0");
    }
    this.intervalNanos = (long) (1_000_000_000L / perSecond);
    this.scheduler = scheduler;
    this.target = target;
    this.nanoTime = nanoTime;
    this.nextSlot = nanoTime.getAsLong();
  }

  /** How many tasks wait for their turn. */
  public synchronized int waiting() {
    return waiting.size();
  }

  @Override
  public synchronized void execute(Runnable task) {
    waiting.add(task);
    if (!scheduled) {
      scheduled = true;
      scheduleNext();
    }
  }

  private void scheduleNext() {
    long delay = Math.max(0, nextSlot - nanoTime.getAsLong());
    scheduler.schedule(this::runOne, delay, TimeUnit.NANOSECONDS);
  }

  private void runOne() {
    Runnable task;
    synchronized (this) {
      task = waiting.poll();
      nextSlot = Math.max(nextSlot, nanoTime.getAsLong()) + intervalNanos;
      if (waiting.isEmpty()) {
        scheduled = false;
      } else {
        scheduleNext();
      }
    }
    if (task != null) {
      target.execute(task);
    }
  }
}
