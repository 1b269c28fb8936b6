package dev.switchboard.testkit.homeserver.appservice;

import java.time.Duration;

/** What the tests inject into AS pushes. */
public interface PushFaults {
  /** True while pushes must not be attempted (paused, or the homeserver is "down"). */
  boolean pushesBlocked();

  /** Consumes one injected push failure, if any is pending. */
  boolean takePushFailure();

  /** Extra delay before each push attempt. */
  Duration pushDelay();
}
