package dev.switchboard.core.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthBackoffTest {
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private final Clock clock = new Clock() {
    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  };
  private final AuthBackoff backoff = new AuthBackoff(5, Duration.ofSeconds(1), Duration.ofSeconds(10), clock);

  private Optional<Duration> failTimes(InetAddress a, int n) {
    for (int i = 0; i < n; i++) {
      backoff.failed(a);
    }
    return backoff.blocked(a);
  }

  @Test
  void theFifthFailureBlocksAndEachFurtherOneDoublesUpToTheCap() throws Exception {
    InetAddress guesser = InetAddress.getByName("192.0.2.1");

    assertThat(failTimes(guesser, 4)).isEmpty();
    assertThat(failTimes(guesser, 1)).hasValue(Duration.ofSeconds(1));
    now = now.plusSeconds(1);
    assertThat(backoff.blocked(guesser)).isEmpty();
    assertThat(failTimes(guesser, 1)).hasValue(Duration.ofSeconds(2));
    assertThat(failTimes(guesser, 1)).hasValue(Duration.ofSeconds(4));
    assertThat(failTimes(guesser, 1)).hasValue(Duration.ofSeconds(8));
    assertThat(failTimes(guesser, 1)).as("capped").hasValue(Duration.ofSeconds(10));
    assertThat(backoff.blocked(InetAddress.getByName("192.0.2.2"))).as("others are not affected").isEmpty();
  }

  @Test
  void aSuccessForgetsTheAddressAndAnIpv6SlashSixtyFourCountsAsOne() throws Exception {
    InetAddress a = InetAddress.getByName("2001:db8:1:2::1");
    InetAddress sameNetwork = InetAddress.getByName("2001:db8:1:2:ffff::9");

    failTimes(a, 4);
    assertThat(failTimes(sameNetwork, 1)).hasValue(Duration.ofSeconds(1));
    backoff.succeeded(a);
    assertThat(backoff.blocked(sameNetwork)).isEmpty();
    assertThat(failTimes(a, 4)).as("counting starts again").isEmpty();
  }

  @Test
  void zeroFreeFailuresTurnsItOff() throws Exception {
    AuthBackoff off = new AuthBackoff(0, Duration.ofSeconds(1), Duration.ofSeconds(10), clock);
    InetAddress a = InetAddress.getByName("192.0.2.1");
    for (int i = 0; i < 50; i++) {
      off.failed(a);
    }
    assertThat(off.blocked(a)).isEmpty();
  }
}
