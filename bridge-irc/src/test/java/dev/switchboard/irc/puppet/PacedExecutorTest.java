package dev.switchboard.irc.puppet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PacedExecutorTest {
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void runsTasksInOrderNoCloserThanTheRateAllows() {
    // A scheduler on a fake clock: waiting moves the clock instead of taking time.
    java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
    ScheduledExecutorService fast = new java.util.concurrent.ScheduledThreadPoolExecutor(1) {
      @Override
      public synchronized java.util.concurrent.ScheduledFuture<?> schedule(Runnable command, long delay,
          java.util.concurrent.TimeUnit unit) {
        return super.schedule(() -> {
          synchronized (clock) {
            clock.addAndGet(unit.toNanos(delay));
          }
          command.run();
        }, 0, unit);
      }
    };
    try {
      PacedExecutor paced = new PacedExecutor(10, fast, Runnable::run, clock::get);
      List<Integer> order = new CopyOnWriteArrayList<>();
      List<Long> at = new CopyOnWriteArrayList<>();
      for (int i = 0; i < 6; i++) {
        int n = i;
        paced.execute(() -> {
          at.add(clock.get());
          order.add(n);
        });
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> order.size() == 6);
      assertThat(order).containsExactly(0, 1, 2, 3, 4, 5);
      for (int i = 1; i < at.size(); i++) {
        assertThat(at.get(i) - at.get(i - 1)).isGreaterThanOrEqualTo(100_000_000L);
      }
      // Idle for a while, then one more: it goes at once.
      clock.addAndGet(10_000_000_000L);
      long before = clock.get();
      paced.execute(() -> at.add(clock.get()));
      await().atMost(Duration.ofSeconds(30)).until(() -> at.size() == 7);
      assertThat(at.get(6)).isEqualTo(before);
    } finally {
      fast.shutdownNow();
    }
  }

  @Test
  void tasksBeyondTheRateWait() {
    PacedExecutor paced = new PacedExecutor(0.001, scheduler, Runnable::run, System::nanoTime);
    List<Integer> ran = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i;
      paced.execute(() -> ran.add(n));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> ran.size() == 1);
    assertThat(paced.waiting()).isEqualTo(2);
    assertThat(ran).containsExactly(0);
  }

  @Test
  void limitsAreReadPerNetworkAndChecked() throws Exception {
    var limits = limits("{\"a\":{\"host\":\"h\",\"nick\":\"n\",\"max_connections\":100,\"connect_rate\":0.5},"
        + "\"b\":{\"host\":\"h\",\"nick\":\"n\"},\"c\":{\"host\":\"h\",\"nick\":\"n\",\"max_connections\":0}}");
    assertThat(limits.get("c")).isEqualTo(ConnectionLimits.NONE);
    assertThat(limits.get("a")).isEqualTo(new ConnectionLimits(100, 0.5));
    assertThat(limits.get("b")).isEqualTo(ConnectionLimits.DEFAULT);
    assertThatThrownBy(() -> limits("{\"a\":{\"host\":\"h\",\"nick\":\"n\",\"max_connections\":-1}}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.networks.a.max_connections");
    assertThatThrownBy(() -> limits("{\"a\":{\"host\":\"h\",\"nick\":\"n\",\"connect_rate\":\"fast\"}}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.networks.a.connect_rate");
  }

  /** Each network's limits as the connector reads them from {@code irc.networks}. */
  private static java.util.Map<String, ConnectionLimits> limits(String networks) throws Exception {
    var config = dev.switchboard.irc.IrcConfig.parse(new ObjectMapper().readTree("{\"networks\":" + networks + "}"));
    var out = new java.util.HashMap<String, ConnectionLimits>();
    config.networks().forEach((id, n) -> out.put(id, n.limits()));
    return out;
  }

}
