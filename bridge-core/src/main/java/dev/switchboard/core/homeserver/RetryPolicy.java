package dev.switchboard.core.homeserver;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How often and how patiently a request that failed transiently (429, 5xx, network) is tried again: capped
 * exponential backoff with jitter, for at most {@code maxAttempts} attempts in all.
 *
 * @param initialDelay the delay before the second attempt, before jitter
 * @param maxDelay the cap on the delay between two attempts
 * @param maxAttempts attempts in all, the first included; {@link Integer#MAX_VALUE} means forever
 */
public record RetryPolicy(Duration initialDelay, Duration maxDelay, int maxAttempts) {

  /** For writes that must never be lost: the outbound queue keeps trying through any outage. */
  public static final RetryPolicy FOREVER = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(30),
      Integer.MAX_VALUE);

  /** For calls someone is waiting on (alias resolution, room creation): a few seconds, then fail. */
  public static final RetryPolicy INTERACTIVE = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5), 6);

  /** One attempt only; the caller has its own retry loop (the AS ping). */
  public static final RetryPolicy ONCE = new RetryPolicy(Duration.ZERO, Duration.ZERO, 1);

  public RetryPolicy {
    if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay, got " + initialDelay + ", " + maxDelay);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
  }

  /** True when another attempt is allowed after {@code attemptsSoFar} attempts. */
  public boolean allowsAnotherAfter(int attemptsSoFar) {
    return attemptsSoFar < maxAttempts;
  }

  /**
   * The delay after the {@code failures}-th consecutive failure: {@code initialDelay * 2^(failures-1)} capped at
   * {@code maxDelay}, then drawn uniformly from its upper half so that many clients do not retry in lockstep.
   */
  public Duration delayAfter(int failures, RandomGenerator random) {
    long initial = initialDelay.toMillis();
    long cap = maxDelay.toMillis();
    int shift = Math.min(Math.max(failures - 1, 0), 30);
    long base = Math.min(cap, initial << shift);
    if (base <= 0) {
      return Duration.ZERO;
    }
    long half = base / 2;
    return Duration.ofMillis(half + (long) (random.nextDouble() * (base - half + 1)));
  }
}
