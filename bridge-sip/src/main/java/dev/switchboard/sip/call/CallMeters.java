package dev.switchboard.sip.call;

import dev.switchboard.core.connector.ConnectorMeters;
import io.micrometer.core.instrument.Counter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Call counts, fed by {@link CallStore} as calls are stored and change state: {@code
 * switchboard.sip.calls{direction,outcome}} with {@code outcome} {@code started}, {@code answered} and {@code failed}
 * (ended without being answered: declined, busy, cancelled, timed out or broken), and {@code
 * switchboard.sip.calls.active}, the calls started and not yet ended in this run.
 */
public final class CallMeters {
  /** Records nothing (tests that do not look at meters). */
  public static final CallMeters NONE = new CallMeters(null);

  private final ConnectorMeters meters;
  /** Live calls by room and Matrix call id: whether answered. */
  private final Map<String, Boolean> live = new ConcurrentHashMap<>();

  public CallMeters(ConnectorMeters meters) {
    this.meters = meters;
    if (meters != null) {
      meters.gauge("calls.active", "Calls started and not yet ended", live, Map::size);
    }
  }

  void started(String direction, String key) {
    if (live.putIfAbsent(key, false) == null) {
      count(direction, "started");
    }
  }

  void changed(String direction, String key, boolean answered, boolean ended) {
    if (answered && live.replace(key, false, true)) {
      count(direction, "answered");
    }
    if (ended) {
      Boolean wasAnswered = live.remove(key);
      if (Boolean.FALSE.equals(wasAnswered)) {
        count(direction, "failed");
      }
    }
  }

  private void count(String direction, String outcome) {
    if (meters != null) {
      Counter c = meters.counter("calls", "Calls by direction and outcome", "direction", direction, "outcome",
          outcome);
      c.increment();
    }
  }
}
