package dev.switchboard.sip.dialplan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.dialplan.CallRateLimits.Kind;
import dev.switchboard.sip.dialplan.CallRateLimits.Limit;
import dev.switchboard.sip.dialplan.Decision.Refused;
import dev.switchboard.sip.dialplan.Decision.Why;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CallRateLimitsTest {
  private static final UserId ALICE = UserId.of("@alice:example.org");
  private static final UserId BOB = UserId.of("@bob:example.org");

  /** A clock the test moves. */
  private static final class TestClock extends Clock {
    Instant now = Instant.parse("2026-12-07T05:00:00Z");

    @Override
    public ZoneOffset getZone() {
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
  }

  @Test
  void aUserGetsFiveCallsAMinuteThenARefusalThatSaysWhy() {
    TestClock clock = new TestClock();
    CallRateLimits limits = new CallRateLimits(new Limit(5, 30), new Limit(20, 120), clock);
    for (int i = 0; i < 5; i++) {
      assertThat(limits.tryAcquire(Kind.CALL, ALICE, "$call" + i).allowed()).isTrue();
      clock.now = clock.now.plusSeconds(1);
    }
    Decision sixth = limits.tryAcquire(Kind.CALL, ALICE, "$call5");
    assertThat(((Refused) sixth).why()).isEqualTo(Why.RATE_USER);
    assertThat(((Refused) sixth).notice()).isEqualTo("You have reached this bridge's limit on calls (5 a minute per "
        + "user): try again in a minute.");
    // Others and texts have their own counts.
    assertThat(limits.tryAcquire(Kind.CALL, BOB, "$b").allowed()).isTrue();
    assertThat(limits.tryAcquire(Kind.TEXT, ALICE, "$t").allowed()).isTrue();
    // The window slides: a minute after the first call, one more may start.
    clock.now = Instant.parse("2026-12-07T05:01:00Z");
    assertThat(limits.tryAcquire(Kind.CALL, ALICE, "$call5").allowed()).isTrue();
    assertThat(limits.tryAcquire(Kind.CALL, ALICE, "$call6").allowed()).isFalse();
  }

  @Test
  void aRepeatOfTheSameEventIsNotCountedAgain() {
    CallRateLimits limits = new CallRateLimits(new Limit(1, 0), new Limit(1, 0), new TestClock());
    assertThat(limits.tryAcquire(Kind.TEXT, ALICE, "$held").allowed()).isTrue();
    for (int retry = 0; retry < 10; retry++) {
      assertThat(limits.tryAcquire(Kind.TEXT, ALICE, "$held").allowed()).isTrue();
    }
    assertThat(limits.tryAcquire(Kind.TEXT, ALICE, "$next").allowed()).isFalse();
  }

  @Test
  void theBridgeWideLimitHoldsAcrossUsers() {
    TestClock clock = new TestClock();
    CallRateLimits limits = new CallRateLimits(new Limit(0, 3), new Limit(0, 0), clock);
    for (int i = 0; i < 3; i++) {
      assertThat(limits.tryAcquire(Kind.CALL, UserId.of("@u" + i + ":example.org"), "$" + i).allowed()).isTrue();
    }
    Decision d = limits.tryAcquire(Kind.CALL, BOB, "$x");
    assertThat(((Refused) d).why()).isEqualTo(Why.RATE_GLOBAL);
    assertThat(((Refused) d).notice()).isEqualTo("The bridge has reached its limit on calls (3 a minute for "
        + "everyone): try again in a minute.");
    clock.now = clock.now.plus(Duration.ofSeconds(61));
    assertThat(limits.tryAcquire(Kind.CALL, BOB, "$x").allowed()).isTrue();
    // 0 turns a limit off.
    for (int i = 0; i < 1000; i++) {
      assertThat(limits.tryAcquire(Kind.TEXT, ALICE, "$t" + i).allowed()).isTrue();
    }
  }
}
