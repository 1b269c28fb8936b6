package dev.switchboard.core.notice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class NoticeThrottleTest {
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final NoticeThrottle throttle = new NoticeThrottle(Duration.ofMinutes(10), 2, now::get);

  private void advance(Duration d) {
    now.set(now.get().plus(d));
  }

  @Test
  void oneNoticePerKeyPerQuietPeriod() {
    assertThat(throttle.allow("a")).isTrue();
    assertThat(throttle.allow("a")).isFalse();
    assertThat(throttle.allow("b")).isTrue();
    advance(Duration.ofMinutes(10).minusNanos(1));
    assertThat(throttle.allow("a")).isFalse();
    advance(Duration.ofNanos(1));
    assertThat(throttle.allow("a")).isTrue();
    assertThat(throttle.allow("a")).isFalse();
  }

  @Test
  void anotherEpisodeGoesOutAtOnceTheSameOneWaits() {
    assertThat(throttle.allow("a", 1)).isTrue();
    assertThat(throttle.allow("a", 1)).isFalse();
    assertThat(throttle.allow("a", 2)).isTrue();
    assertThat(throttle.allow("a", 2)).isFalse();
    assertThat(throttle.allow("a", 1)).isTrue();
    advance(Duration.ofMinutes(10));
    assertThat(throttle.allow("a", 1)).isTrue();
  }

  @Test
  void staysQuietRatherThanGrowAndForgetsExpiredKeysFirst() {
    assertThat(throttle.allow("a")).isTrue();
    assertThat(throttle.allow("b")).isTrue();
    assertThat(throttle.allow("c")).isFalse();
    advance(Duration.ofMinutes(10));
    assertThat(throttle.allow("a")).isTrue();
    assertThat(throttle.allow("c")).isTrue();
    assertThat(throttle.allow("d")).isFalse();
  }
}
