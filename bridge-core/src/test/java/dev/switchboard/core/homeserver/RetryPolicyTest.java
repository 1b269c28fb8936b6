package dev.switchboard.core.homeserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  @Test
  void delaysDoubleWithJitterUpToTheCap() {
    RetryPolicy p = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(30), Integer.MAX_VALUE);
    SplittableRandom random = new SplittableRandom(42);
    for (int failures = 1; failures < 40; failures++) {
      long base = Math.min(30_000, 200L << Math.min(failures - 1, 30));
      assertThat(p.delayAfter(failures, random).toMillis()).isBetween(base / 2, base);
    }
  }

  @Test
  void jitterSpreadsClientsApart() {
    RetryPolicy p = RetryPolicy.FOREVER;
    SplittableRandom random = new SplittableRandom(7);
    assertThat(java.util.stream.IntStream.range(0, 20).mapToObj(i -> p.delayAfter(5, random)).distinct().count())
        .isGreaterThan(10);
  }

  @Test
  void aBoundedPolicyStopsAfterItsAttempts() {
    assertThat(RetryPolicy.INTERACTIVE.allowsAnotherAfter(5)).isTrue();
    assertThat(RetryPolicy.INTERACTIVE.allowsAnotherAfter(6)).isFalse();
    assertThat(RetryPolicy.ONCE.allowsAnotherAfter(1)).isFalse();
    assertThat(RetryPolicy.FOREVER.allowsAnotherAfter(1_000_000)).isTrue();
  }
}
