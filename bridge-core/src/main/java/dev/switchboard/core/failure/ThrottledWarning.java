package dev.switchboard.core.failure;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A warning that anyone on the network can trigger (a refused connection, a malformed event) is written at most
 * once per interval, with how many were held back since; the rest go to DEBUG. Without this, one client can fill
 * the disk with log lines (a 6 MB transaction of {@code {}} once wrote two million).
 */
public final class ThrottledWarning {
  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong nextAllowed;
  private final AtomicLong heldBack = new AtomicLong();

  public ThrottledWarning(Logger log, java.time.Duration interval) {
    this(log, interval, System::nanoTime);
  }

  /** With the clock given, for tests. */
  public ThrottledWarning(Logger log, java.time.Duration interval, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
    this.nextAllowed = new AtomicLong(nanoTime.getAsLong());
  }

  /** Logs {@code format} (SLF4J placeholders) as a warning if the interval is over, else at DEBUG. */
  public void warn(String format, Object... args) {
    long now = nanoTime.getAsLong();
    long next = nextAllowed.get();
    if (now - next >= 0 && nextAllowed.compareAndSet(next, now + intervalNanos)) {
      long held = heldBack.getAndSet(0);
      if (held > 0) {
        log.warn(format + " ({} similar warnings held back before this one)", append(args, held));
      } else {
        log.warn(format, args);
      }
    } else {
      heldBack.incrementAndGet();
      log.debug(format, args);
    }
  }

  private static Object[] append(Object[] args, Object last) {
    Object[] out = java.util.Arrays.copyOf(args, args.length + 1);
    out[args.length] = last;
    return out;
  }
}
