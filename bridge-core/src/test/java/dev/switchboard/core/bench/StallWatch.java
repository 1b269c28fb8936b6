package dev.switchboard.core.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.Locale;
import java.util.Set;

/**
 * Catches a stall in the act: when the transaction in flight has waited longer than the bound, prints where the
 * bridge's writing threads are (the transaction handler, the checkpointer, the done-mark committer) once per
 * transaction, so a rare stall that a percentile only counts shows its cause. In-process runs only.
 */
final class StallWatch implements AutoCloseable {
  private static final Set<String> WATCHED = Set.of("as-transactions", "sqlite-checkpoint", "inbox-done");

  private final long boundNanos;
  private final Thread thread;
  private volatile long inFlightSince;
  private volatile long inFlightTxn = -1;
  private volatile boolean closed;

  StallWatch(long boundMs) {
    this.boundNanos = boundMs * 1_000_000L;
    this.thread = new Thread(this::watch, "bench-stall-watch");
    thread.setDaemon(true);
    thread.start();
  }

  /** Transaction {@code txn} went out at {@code nanoTime}. */
  void sent(long txn, long nanoTime) {
    inFlightSince = nanoTime;
    inFlightTxn = txn;
  }

  /** Nothing in flight. */
  void answered() {
    inFlightTxn = -1;
  }

  private void watch() {
    long reported = -1;
    while (!closed) {
      long txn = inFlightTxn;
      long waited = System.nanoTime() - inFlightSince;
      if (txn >= 0 && txn != reported && waited > boundNanos) {
        reported = txn;
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
            "BENCH stall: transaction %d unanswered for %.0f ms; the writing threads:%n", txn, waited / 1e6));
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, false)) {
          if (WATCHED.contains(info.getThreadName())) {
            out.append("  ").append(info.getThreadName()).append(' ').append(info.getThreadState());
            if (info.getLockName() != null) {
              out.append(" on ").append(info.getLockName()).append(" held by ").append(info.getLockOwnerName());
            }
            out.append(System.lineSeparator());
            StackTraceElement[] stack = info.getStackTrace();
            for (int i = 0; i < Math.min(12, stack.length); i++) {
              out.append("    at ").append(stack[i]).append(System.lineSeparator());
            }
          }
        }
        System.out.print(out);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
