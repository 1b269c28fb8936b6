package dev.switchboard.sip.dialplan;

import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.dialplan.Decision.Refused;
import dev.switchboard.sip.dialplan.Decision.Why;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * How many calls and texts the bridge starts per minute, per Matrix user and in all ({@code sip.rate_limits}): a
 * sliding window of one minute, so a stolen account or a script cannot run up a trunk bill faster than that. An
 * attempt is counted once by its key (the Matrix event id): the dispatcher's retries of a held text, or an event
 * run again after a crash, do not use up the limit. Thread-safe; the clock is injected.
 */
public final class CallRateLimits {
  static final Duration WINDOW = Duration.ofMinutes(1);
  /** Sweeps users whose windows emptied once this many are remembered, bounding memory under many user ids. */
  private static final int SWEEP_AT = 1_000;

  /** Per minute for one user and for the whole bridge; 0 means no limit. */
  public record Limit(int perUser, int global) {
    public Limit {
      if (perUser < 0 || global < 0) {
        throw new IllegalArgumentException("rate limits are 0 (off) or positive");
      }
    }
  }

  /** What is counted. */
  public enum Kind {
    CALL("calls"), TEXT("texts to phones");

    private final String noun;

    Kind(String noun) {
      this.noun = noun;
    }
  }

  private record Attempt(String key, Instant at) {}

  private final Clock clock;
  private final Map<Kind, Limit> limits;
  private final Map<Kind, Deque<Instant>> global = new HashMap<>();
  private final Map<Kind, Map<UserId, Deque<Attempt>>> perUser = new HashMap<>();

  public CallRateLimits(Limit calls, Limit texts, Clock clock) {
    this.clock = clock;
    this.limits = Map.of(Kind.CALL, calls, Kind.TEXT, texts);
    for (Kind k : Kind.values()) {
      global.put(k, new ArrayDeque<>());
      perUser.put(k, new HashMap<>());
    }
  }

  /** Counts the attempt {@code key} of {@code user} unless that goes over a limit; a repeated key is allowed again. */
  public synchronized Decision tryAcquire(Kind kind, UserId user, String key) {
    Instant now = clock.instant();
    Instant since = now.minus(WINDOW);
    Limit limit = limits.get(kind);
    Map<UserId, Deque<Attempt>> users = perUser.get(kind);
    Deque<Instant> all = global.get(kind);
    while (!all.isEmpty() && !all.peekFirst().isAfter(since)) {
      all.pollFirst();
    }
    if (users.size() >= SWEEP_AT) {
      users.values().forEach(d -> expire(d, since));
      users.values().removeIf(Deque::isEmpty);
    }
    Deque<Attempt> mine = users.computeIfAbsent(user, u -> new ArrayDeque<>());
    expire(mine, since);
    if (mine.stream().anyMatch(a -> a.key().equals(key))) {
      return Decision.ALLOWED;
    }
    if (limit.perUser() > 0 && mine.size() >= limit.perUser()) {
      return new Refused(Why.RATE_USER, "You have reached this bridge's limit on " + kind.noun + " ("
          + limit.perUser() + " a minute per user): try again in a minute.");
    }
    if (limit.global() > 0 && all.size() >= limit.global()) {
      if (mine.isEmpty()) {
        users.remove(user);
      }
      return new Refused(Why.RATE_GLOBAL, "The bridge has reached its limit on " + kind.noun + " ("
          + limit.global() + " a minute for everyone): try again in a minute.");
    }
    mine.addLast(new Attempt(key, now));
    all.addLast(now);
    return Decision.ALLOWED;
  }

  private static void expire(Deque<Attempt> attempts, Instant since) {
    while (!attempts.isEmpty() && !attempts.peekFirst().at().isAfter(since)) {
      attempts.pollFirst();
    }
  }
}
