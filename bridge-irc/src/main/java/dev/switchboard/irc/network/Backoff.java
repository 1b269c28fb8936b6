package dev.switchboard.irc.network;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays: exponential from {@code base} up to {@code cap}, with "equal jitter" (half fixed, half random)
 * so that many connections dropped by one netsplit or ircd restart do not come back in one storm, and no delay is
 * ever near zero.
 */
public final class Backoff {
  private final Duration base;
  private final Duration cap;
  private final RandomGenerator random;

  public Backoff(Duration base, Duration cap, RandomGenerator random) {
    if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("need 0 < base <= cap, got " + base + ", " + cap);
    }
    this.base = base;
    this.cap = cap;
    this.random = random;
  }

  /** The delay before reconnect attempt {@code attempt} (0 for the first after a drop). */
  public Duration delay(int attempt) {
    long ceiling = cap.toMillis();
    long exp = base.toMillis() << Math.min(Math.max(attempt, 0), 30);
    long full = exp <= 0 || exp > ceiling ? ceiling : exp;
    long half = full / 2;
    return Duration.ofMillis(half + random.nextLong(full - half + 1));
  }
}
