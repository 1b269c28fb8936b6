package dev.switchboard.core.inbox;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the inbox bounded. Transaction records only need to outlive the homeserver's retries of a transaction we
 * already acknowledged ({@code txnRetention}, default 7 days); event ids are what really stops repeats, so done
 * events are kept for {@code eventRetention} (default 30 days) and never while the message map still holds
 * younger entries (edits and redactions refer to them).
 */
public final class InboxPruner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InboxPruner.class);

  private final InboxStore store;
  private final Clock clock;
  private final Duration txnRetention;
  private final Duration eventRetention;
  private final LongSupplier oldestMessageMapEntry;
  private ScheduledFuture<?> task;

  /**
   * @param oldestMessageMapEntry epoch millis of the oldest message-map row, or {@code Long.MAX_VALUE} if none
   */
  public InboxPruner(InboxStore store, Clock clock, Duration txnRetention, Duration eventRetention,
      LongSupplier oldestMessageMapEntry) {
    this.store = store;
    this.clock = clock;
    this.txnRetention = txnRetention;
    this.eventRetention = eventRetention;
    this.oldestMessageMapEntry = oldestMessageMapEntry;
  }

  /** Prunes once now; returns {transactions, events} removed. */
  public long[] pruneNow() {
    long now = clock.millis();
    long eventCutoff = Math.min(now - eventRetention.toMillis(), oldestMessageMapEntry.getAsLong());
    long[] removed = store.prune(now - txnRetention.toMillis(), eventCutoff);
    if (removed[0] + removed[1] > 0) {
      log.info("Pruned {} transaction records and {} done inbox events", removed[0], removed[1]);
    }
    return removed;
  }

  /** Prunes every {@code period} on the scheduler (the work itself is short). */
  public void schedule(ScheduledExecutorService scheduler, Duration period) {
    task = scheduler.scheduleWithFixedDelay(() -> {
      try {
        pruneNow();
      } catch (RuntimeException e) {
        log.warn("Inbox pruning failed, will retry: {}", e.toString());
      }
    }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
