package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5), new SplittableRandom(1));

  @Test
  void delaysGrowExponentiallyWithinHalfAndFullOfTheStep() {
    for (int attempt = 0; attempt < 8; attempt++) {
      long step = 1000L << attempt;
      for (int i = 0; i < 100; i++) {
        assertThat(backoff.delay(attempt).toMillis()).isBetween(step / 2, step);
      }
    }
  }

  @Test
  void delaysStopGrowingAtTheCap() {
    assertThat(backoff.delay(50).toMillis()).isBetween(150_000L, 300_000L);
    assertThat(backoff.delay(Integer.MAX_VALUE).toMillis()).isBetween(150_000L, 300_000L);
  }

  @Test
  void connectionsDroppedTogetherComeBackSpreadOut() {
    long distinct = java.util.stream.IntStream.range(0, 100).mapToLong(i -> backoff.delay(3).toMillis()).distinct()
        .count();
    assertThat(distinct).isGreaterThan(50);
  }
}
