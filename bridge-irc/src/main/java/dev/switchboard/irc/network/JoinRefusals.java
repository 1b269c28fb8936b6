package dev.switchboard.irc.network;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * The channels that refused one connection's JOIN, until it gets in: lines for such a channel fail at once during a
 * back-off, then the next line sends one JOIN and waits for its answer. The back-off grows with each refusal, so a
 * user who keeps talking into a closed channel does not make us hammer the server with JOINs. Each refusal carries
 * an episode number, the same until the connection gets in, so its user is told once, not once a line. Not
 * thread-safe: its connection locks.
 */
final class JoinRefusals {
  /** What to do with a line for a channel. */
  enum Next {
    /** No refusal (or a JOIN is already on its way): hold or write the line as usual. */
    GO,
    /** Inside the back-off: fail the line now with {@link #error}. */
    FAIL,
    /** The back-off is over: send one JOIN and hold the line for its answer. */
    JOIN_AGAIN
  }

  private static final class Refusal {
    DeliveryRefused error;
    int count;
    long retryAt;
    boolean joining;
  }

  private final Map<String, Refusal> byChannel = new HashMap<>();
  private final LongSupplier nanoTime;
  /** The back-off in nanoseconds after the n-th refusal in a row (0 for the first). */
  private final LongUnaryOperator backoffNanos;
  private long episodes;

  JoinRefusals(LongSupplier nanoTime, LongUnaryOperator backoffNanos) {
    this.nanoTime = nanoTime;
    this.backoffNanos = backoffNanos;
  }

  /** For a line to the channel {@code key} while we are not in it. */
  Next next(String key) {
    Refusal r = byChannel.get(key);
    if (r == null || r.joining) {
      return Next.GO;
    }
    if (nanoTime.getAsLong() - r.retryAt < 0) {
      return Next.FAIL;
    }
    r.joining = true;
    return Next.JOIN_AGAIN;
  }

  /** The refusal lines for {@code key} fail with (only after {@link Next#FAIL}, or a refusal). */
  DeliveryRefused error(String key) {
    return byChannel.get(key).error;
  }

  /** The server refused our JOIN to {@code key}: starts or continues its episode and its back-off. */
  DeliveryRefused refused(String key, String channel, int numeric, String why) {
    Refusal r = byChannel.get(key);
    if (r == null || r.error.numeric() != numeric) {
      r = new Refusal();
      r.error = new DeliveryRefused(DeliveryRefused.Stage.JOIN, channel, numeric, why, newEpisode());
      byChannel.put(key, r);
    }
    r.joining = false;
    r.retryAt = nanoTime.getAsLong() + backoffNanos.applyAsLong(r.count++);
    return r.error;
  }

  /** An episode number for another kind of refusal of this connection (see {@link DeliveryRefused#episode()}). */
  long newEpisode() {
    return ++episodes;
  }

  /** Whether the server refused our JOIN to {@code key} and no JOIN is on its way again. */
  boolean refusedNow(String key) {
    Refusal r = byChannel.get(key);
    return r != null && !r.joining;
  }

  /** We got into {@code key}: its episode is over. */
  void joined(String key) {
    byChannel.remove(key);
  }

  /** The connection dropped: JOINs on their way got no answer and will be sent again. */
  void disconnected() {
    byChannel.values().forEach(r -> r.joining = false);
  }
}
