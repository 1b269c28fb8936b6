package dev.switchboard.irc.flood;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScheduledSendQueueTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong now = new AtomicLong();
  private final List<String> sent = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private ScheduledSendQueue queue(int burst, double perSecond) {
    ScheduledSendQueue q = new ScheduledSendQueue(new FloodControl(burst, perSecond), scheduler, now::get);
    q.beginSending(sent::add);
    return q;
  }

  @Test
  void aBurstGoesOutAtOnceAndTheRestWaitsForTokens() {
    ScheduledSendQueue q = queue(3, 2);

    for (int i = 1; i <= 5; i++) {
      q.queue("PRIVMSG #c :" + i);
    }

    assertThat(sent).containsExactly("PRIVMSG #c :1", "PRIVMSG #c :2", "PRIVMSG #c :3");
    assertThat(q.backlog()).isEqualTo(2);
  }

  @Test
  void tokensComeBackAtTheConfiguredRateAndOrderIsKept() throws Exception {
    ScheduledSendQueue q = queue(1, 2);
    q.queue("a");
    q.queue("b");
    q.queue("c");
    assertThat(sent).containsExactly("a");

    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(500)); // one token at 2 a second
    Thread.sleep(600); // the scheduled round has run by now (its real delay is at most 500 ms)

    assertThat(sent).containsExactly("a", "b");
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
    Thread.sleep(600);
    assertThat(sent).containsExactly("a", "b", "c");
  }

  @Test
  void keepAlivesJumpTheQueueAndNeedNoToken() {
    ScheduledSendQueue q = queue(1, 1);
    q.queue("PRIVMSG #c :1");
    q.queue("PRIVMSG #c :2");

    q.queue("PING :check");

    assertThat(sent).containsExactly("PRIVMSG #c :1", "PING :check");
  }

  @Test
  void whilePausedNothingIsSentAndShutdownHandsBackTheBacklog() {
    ScheduledSendQueue q = queue(5, 1);
    q.pause();
    q.queue("a");
    q.queue("b");

    assertThat(sent).isEmpty();
    assertThat(q.contains("a")).isTrue();
    assertThat(q.shutdown()).containsExactly("a", "b");
  }
}
