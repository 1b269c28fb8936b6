package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class JoinRefusalsTest {
  private final AtomicLong now = new AtomicLong();
  /** 1 s after the first refusal, doubling. */
  private final JoinRefusals refusals = new JoinRefusals(now::get, n -> 1_000_000_000L << n);

  @Test
  void aRefusedChannelFailsLinesDuringItsBackOffThenTriesOneJoin() {
    assertThat(refusals.next("#c")).isEqualTo(JoinRefusals.Next.GO);
    DeliveryRefused first = refusals.refused("#c", "#C", 473, "the channel is invite-only (+i)");

    assertThat(refusals.next("#c")).isEqualTo(JoinRefusals.Next.FAIL);
    assertThat(refusals.error("#c")).isSameAs(first);
    now.addAndGet(1_000_000_000L);
    assertThat(refusals.next("#c")).isEqualTo(JoinRefusals.Next.JOIN_AGAIN);
    assertThat(refusals.next("#c")).as("the JOIN is on its way: lines wait for it").isEqualTo(JoinRefusals.Next.GO);

    DeliveryRefused again = refusals.refused("#c", "#C", 473, "the channel is invite-only (+i)");
    assertThat(again.episode()).as("same refusal, same episode: one notice").isEqualTo(first.episode());
    now.addAndGet(1_000_000_000L);
    assertThat(refusals.next("#c")).as("the back-off doubled").isEqualTo(JoinRefusals.Next.FAIL);
    now.addAndGet(1_000_000_000L);
    assertThat(refusals.next("#c")).isEqualTo(JoinRefusals.Next.JOIN_AGAIN);
  }

  @Test
  void anotherReasonOrGettingInStartsAFreshEpisode() {
    DeliveryRefused full = refusals.refused("#c", "#c", 471, "the channel is full (+l)");
    DeliveryRefused banned = refusals.refused("#c", "#c", 474, "banned from the channel (+b)");
    assertThat(banned.episode()).isNotEqualTo(full.episode());

    refusals.joined("#c");
    assertThat(refusals.next("#c")).isEqualTo(JoinRefusals.Next.GO);
    assertThat(refusals.refused("#c", "#c", 474, "banned from the channel (+b)").episode())
        .isNotEqualTo(banned.episode());
  }

  @Test
  void aDroppedConnectionForgetsTheJoinOnItsWay() {
    refusals.refused("#c", "#c", 473, "invite only");
    now.addAndGet(1_000_000_000L);
    assertThat(refusals.next("#c")).isEqualTo(JoinRefusals.Next.JOIN_AGAIN);

    refusals.disconnected();

    assertThat(refusals.next("#c")).isEqualTo(JoinRefusals.Next.JOIN_AGAIN);
  }
}
