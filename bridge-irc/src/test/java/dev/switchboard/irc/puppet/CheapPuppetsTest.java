package dev.switchboard.irc.puppet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.irc.IrcConnectorFixture;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Thousands of puppets must be cheap: no threads of their own (see SharedThreadsClient). */
class CheapPuppetsTest {
  private static final int PUPPETS = 50;

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> server = IrcServerFixture.ngircd();
  /** The {@code irc:} section, chosen by each test before it starts the connector. */
  private ObjectNode irc;
  @RegisterExtension
  final Fixture<IrcConnectorFixture> connector = Fixture.of(() -> IrcConnectorFixture.start(irc, dir)).onFirstUse();

  @Test
  void fiftyPuppetsCostNoThreadsOfTheirOwn() throws Exception {
    irc = IrcConnectorFixture.config(server.get().host(), server.get().port());
    IrcConnectorFixture fixture = connector.get();
    var room = fixture.openPortal("#_irc_test_#room:test.local");
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN ")
          || IrcTestUser.command(l).equals("353") && l.contains("switchboard"), Duration.ofSeconds(20));
      // A few puppets first, so the shared pools (Netty's event loops, the scheduler) have started their threads
      // before the count: only what each further puppet adds is measured.
      int warmUp = 5;
      for (int i = 0; i < warmUp; i++) {
        fixture.join(room, "warm" + i, "Warm" + i);
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> alice.lines().stream()
          .filter(l -> l.startsWith(":Warm") && l.contains(" JOIN ")).count() == warmUp);
      int before = ManagementFactory.getThreadMXBean().getThreadCount();
      long heapBefore = usedHeapAfterGc();

      for (int i = 0; i < PUPPETS; i++) {
        fixture.join(room, "user" + i, "User" + i);
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> alice.lines().stream()
          .filter(l -> l.startsWith(":User") && l.contains(" JOIN ")).count() == PUPPETS);

      // A rough figure for the report (GC noise is a few KiB per puppet at this count); benchmarks measure properly.
      System.out.printf("heap: about %d KiB per idle puppet%n", (usedHeapAfterGc() - heapBefore) / PUPPETS / 1024);
      // Kitteh 9 starts an input thread and an "immediate" sender thread in every client; the wrap stops them right
      // away (they may take a moment to end), and the rest (delay sender, event bus dispatchers, exception listener)
      // is shared machinery: a puppet adds no thread. 0.05 leaves room for a shared pool growing by two threads.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
          (ManagementFactory.getThreadMXBean().getThreadCount() - before) / (double) PUPPETS)
          .isLessThanOrEqualTo(0.05));
      int after = ManagementFactory.getThreadMXBean().getThreadCount();
      System.out.printf("threads: %d before, %d after %d puppets: %.2f per puppet%n", before, after, PUPPETS,
          (after - before) / (double) PUPPETS);
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Test
  void aFiveThousandByteMessageTakesSecondsNotFifteenWithTheDefaultFloodControl() throws Exception {
    irc = IrcConnectorFixture.config(server.get().host(), server.get().port());
    IrcConnectorFixture.network(irc).put("line_limit", 20); // split it rather than send a link
    IrcConnectorFixture fixture = connector.get();
    var room = fixture.openPortal("#_irc_test_#room:test.local");
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      fixture.join(room, "matrixuser", "matrixuser");
      alice.awaitLine(l -> l.startsWith(":matrixuser!") && l.contains(" JOIN "), Duration.ofSeconds(20));
      String longText = "word ".repeat(1_000); // 5,000 bytes: 13 lines

      long started = System.nanoTime();
      fixture.text(room, "matrixuser", longText);
      await().atMost(Duration.ofSeconds(30)).until(() -> alice.messagesTo("#room").size() == 13);
      long tookMs = (System.nanoTime() - started) / 1_000_000;

      System.out.printf("5,000-byte message: %d lines in %d ms%n", alice.messagesTo("#room").size(), tookMs);
      // A burst of 5, then 2 a second: the last of 13 lines leaves after about 4 s (Kitteh's default: 15 s).
      assertThat(tookMs).isBetween(3_000L, 7_000L);
    }
  }
}
