package dev.switchboard.sip.call;

import dev.switchboard.core.id.UserId;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hard limits on calls from config: how many calls one Matrix user may have at once (both directions count),
 * and how long a call may last once answered ({@code call.max_concurrent_per_user}, {@code
 * call.max_duration_seconds}). Thread-safe; releasing is idempotent, so every way a call ends may release it.
 */
public final class CallLimits {
  private final int perUser;
  private final Duration maxDuration;
  /** Counted calls, by a key unique to the call, to their user. */
  private final Map<String, UserId> counted = new ConcurrentHashMap<>();

  public CallLimits(int perUser, Duration maxDuration) {
    this.perUser = perUser;
    this.maxDuration = maxDuration;
  }

  /** Counts the call for {@code user} unless the user is at the limit; false then. */
  public synchronized boolean tryAcquire(UserId user, String callKey) {
    if (counted.containsKey(callKey)) {
      return true;
    }
    long now = counted.values().stream().filter(user::equals).count();
    if (now >= perUser) {
      return false;
    }
    counted.put(callKey, user);
    return true;
  }

  public synchronized void release(String callKey) {
    counted.remove(callKey);
  }

  public int perUser() {
    return perUser;
  }

  public Duration maxDuration() {
    return maxDuration;
  }
}
