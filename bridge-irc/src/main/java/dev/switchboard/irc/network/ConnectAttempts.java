package dev.switchboard.irc.network;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * A connection's failed attempts in a row: how long until the next, and when failing stops being an outage (lines
 * wait) and becomes this connection's own failure (a K-line, a per-host connection limit), which its lines end with.
 */
final class ConnectAttempts {
  /** Failed connection attempts in a row after which a connection alone failing is its user's failure. */
  static final int LIMIT = 3;

  /** After a failed attempt: the delay before the next, and the refusal the held lines end with now, if any. */
  record Retry(Duration delay, Optional<DeliveryRefused> failHeld) {}

  private final Backoff backoff;
  private final LongSupplier newEpisode;
  private volatile BooleanSupplier networkUp = () -> false;
  // Guarded by this.
  private int failed;
  private DeliveryRefused refusal;

  /** @param newEpisode numbers each refusal, so that its user is told once per episode */
  ConnectAttempts(Backoff backoff, LongSupplier newEpisode) {
    this.backoff = backoff;
    this.newEpisode = newEpisode;
  }

  /** While {@code up} is true, {@link #LIMIT} failures in a row are this connection's own (see IrcConnection). */
  void useNetworkCheck(BooleanSupplier up) {
    this.networkUp = up;
  }

  synchronized Retry failed(String reason) {
    Duration delay = backoff.delay(failed++);
    if (failed < LIMIT || !networkUp.getAsBoolean()) {
      return new Retry(delay, Optional.empty());
    }
    if (refusal == null) {
      refusal = new DeliveryRefused(DeliveryRefused.Stage.CONNECT, "IRC", 0,
          "the bridge cannot connect you (" + reason.replaceAll("\\p{Cntrl}", "?") + ")", newEpisode.getAsLong());
    }
    return new Retry(delay, Optional.of(refusal));
  }

  /** Registered: the count starts again. */
  synchronized void succeeded() {
    failed = 0;
    refusal = null;
  }

  /** The refusal new lines end with while this connection keeps failing on its own. */
  synchronized Optional<DeliveryRefused> refusal() {
    return Optional.ofNullable(refusal);
  }

  /** Whether no attempt failed since the last success (or the start). */
  synchronized boolean none() {
    return failed == 0;
  }
}
