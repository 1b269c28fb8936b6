package dev.switchboard.irc.flood;

import java.util.function.LongSupplier;

/** A token bucket over a nanosecond clock; not thread-safe (its owner locks). */
final class TokenBucket {
  private final FloodControl limits;
  private final LongSupplier nanoTime;
  private final double nanosPerToken;
  private double tokens;
  private long refilledAt;

  TokenBucket(FloodControl limits, LongSupplier nanoTime) {
    this.limits = limits;
    this.nanoTime = nanoTime;
    this.nanosPerToken = 1_000_000_000d / limits.perSecond();
    this.tokens = limits.burst();
    this.refilledAt = nanoTime.getAsLong();
  }

  /** Takes a token if there is one. */
  boolean tryTake() {
    refill();
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Nanoseconds until the next token (0 when there is one now). */
  long nanosUntilNext() {
    refill();
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) * nanosPerToken);
  }

  private void refill() {
    long now = nanoTime.getAsLong();
    long elapsed = now - refilledAt;
    if (elapsed > 0) {
      tokens = Math.min(limits.burst(), tokens + elapsed / nanosPerToken);
      refilledAt = now;
    }
  }
}
