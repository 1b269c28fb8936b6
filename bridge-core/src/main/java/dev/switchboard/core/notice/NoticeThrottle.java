package dev.switchboard.core.notice;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets one notice per key through per quiet period: anything a user can trigger at will (a refused message, an
 * unsupported reaction) must not let them make the bot spam a room. Memory is bounded: under a flood of new keys
 * (many user ids) old entries are dropped first, and when that is not enough the throttle stays quiet rather than
 * grow.
 */
public final class NoticeThrottle {
  private final Duration quiet;
  private final int maxRemembered;
  private final Clock clock;
  private final Map<String, Instant> lastNotice = new ConcurrentHashMap<>();

  public NoticeThrottle(Duration quiet, int maxRemembered, Clock clock) {
    this.quiet = quiet;
    this.maxRemembered = maxRemembered;
    this.clock = clock;
  }

  /** Whether a notice for {@code key} may go out now; if so, the next one waits a quiet period. */
  public boolean allow(String key) {
    Instant now = clock.instant();
    Instant last = lastNotice.get(key);
    if (last != null && last.plus(quiet).isAfter(now)) {
      return false;
    }
    if (lastNotice.size() >= maxRemembered) {
      lastNotice.entrySet().removeIf(e -> !e.getValue().plus(quiet).isAfter(now));
      if (lastNotice.size() >= maxRemembered) {
        return false;
      }
    }
    // Of two callers racing for the same key, one wins.
    return last == null ? lastNotice.putIfAbsent(key, now) == null : lastNotice.replace(key, last, now);
  }
}
