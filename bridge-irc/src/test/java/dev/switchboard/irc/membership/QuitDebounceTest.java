package dev.switchboard.irc.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QuitDebounceTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong now = new AtomicLong();
  private final List<String> left = new CopyOnWriteArrayList<>();
  private final QuitDebounce debounce = new QuitDebounce(new NetsplitConfig(Duration.ofMillis(300), 2), scheduler,
      Runnable::run, now::get);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void anOrdinaryQuitLeavesAtOnce() {
    assertThat(debounce.quit("alice", "Quit: bye", () -> left.add("alice"))).isFalse();
    assertThat(left).containsExactly("alice");
  }

  @Test
  void aNetsplitQuitIsHeldUntilTheDelayUnlessTheUserComesBack() throws Exception {
    assertThat(debounce.quit("alice", "hub.example.net leaf.example.net", () -> left.add("alice"))).isTrue();
    assertThat(debounce.quit("bob", "*.net *.split", () -> left.add("bob"))).isTrue();
    assertThat(left).isEmpty();

    assertThat(debounce.back("ALICE")).isTrue();
    Thread.sleep(600);

    assertThat(left).containsExactly("bob");
  }

  @Test
  void quitsOverTheRateAreHeldAndTheRateWindowIsOneSecond() {
    assertThat(debounce.quit("a", "Ping timeout", () -> left.add("a"))).isFalse();
    assertThat(debounce.quit("b", "Ping timeout", () -> left.add("b"))).isFalse();
    assertThat(debounce.quit("c", "Ping timeout", () -> left.add("c"))).isTrue();
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(debounce.quit("d", "Ping timeout", () -> left.add("d"))).isFalse();
    assertThat(left).containsExactly("a", "b", "d");
  }

  @Test
  void aQuitFromANetsplitBatchIsHeldWhateverItsMessageAndComesBackWithTheUser() throws Exception {
    debounce.splitQuit("alice", () -> left.add("alice"));
    debounce.splitQuit("bob", () -> left.add("bob"));
    assertThat(debounce.isHeld("alice")).isTrue();
    assertThat(debounce.back("bob")).isTrue();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> left.contains("alice"));
    assertThat(left).containsExactly("alice");

    QuitDebounce off = new QuitDebounce(new NetsplitConfig(Duration.ZERO, 2), scheduler, Runnable::run, now::get);
    off.splitQuit("carol", () -> left.add("carol"));
    assertThat(left).containsExactly("alice", "carol");
  }
}
