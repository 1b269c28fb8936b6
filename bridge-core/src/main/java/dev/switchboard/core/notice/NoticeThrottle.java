package dev.switchboard.core.notice;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets one notice per key through per quiet period: anything a user can trigger at will (a refused message, an
 * unsupported reaction) must not let them make the bot spam a room. Memory is bounded: under a flood of new keys
 * (many user ids) old entries are dropped first, and when that is not enough the throttle stays quiet rather than
 * grow.
 */
public final class NoticeThrottle {
  /** How many keys {@link #NoticeThrottle(Duration, InstantSource)} remembers: more user ids than a bridge serves. */
  public static final int MAX_REMEMBERED = 10_000;

  private record Told(long episode, Instant at) {}

  private final Duration quiet;
  private final int maxRemembered;
  private final InstantSource clock;
  private final Map<String, Told> lastNotice = new ConcurrentHashMap<>();

  /** Remembers up to {@link #MAX_REMEMBERED} keys. */
  public NoticeThrottle(Duration quiet, InstantSource clock) {
    this(quiet, MAX_REMEMBERED, clock);
  }

  /** @param clock a {@link java.time.Clock}, or a lambda a test moves by hand */
  public NoticeThrottle(Duration quiet, int maxRemembered, InstantSource clock) {
    this.quiet = quiet;
    this.maxRemembered = maxRemembered;
    this.clock = clock;
  }

  /** Whether a notice for {@code key} may go out now; if so, the next one waits a quiet period. */
  public boolean allow(String key) {
    return allow(key, 0);
  }

  /**
   * As {@link #allow(String)} for a notice about {@code episode} (a refusal that lasts, say): a notice about another
   * episode than the last one told for {@code key} goes out at once, one about the same waits its quiet period.
   */
  public boolean allow(String key, long episode) {
    Instant now = clock.instant();
    Told last = lastNotice.get(key);
    if (last != null && last.episode() == episode && last.at().plus(quiet).isAfter(now)) {
      return false;
    }
    if (last == null && lastNotice.size() >= maxRemembered) {
      lastNotice.entrySet().removeIf(e -> !e.getValue().at().plus(quiet).isAfter(now));
      if (lastNotice.size() >= maxRemembered) {
        return false;
      }
    }
    Told next = new Told(episode, now);
    // Of two callers racing for the same key, one wins.
    return last == null ? lastNotice.putIfAbsent(key, next) == null : lastNotice.replace(key, last, next);
  }
}
