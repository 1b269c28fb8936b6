package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.connector.RemoteUnavailableException;
import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.membership.NetsplitConfig;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * When a line counts as delivered (DESIGN.md, "Data flow and guarantees" 3): once it is written to the socket, not
 * while it waits in the flood queue; and a line still queued when the connection dies is failed as unavailable (its
 * event runs again) and never written later. Against real ngircd, with one line every 2 s so the queue is visible.
 */
class LineDeliveryTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final ChannelName ROOM = new ChannelName("#room");
  /** One line at once, then one every 2 s. */
  private static final FloodControl SLOW = new FloodControl(1, 0.5);

  @RegisterExtension
  final IrcServerFixture<NgircdServer> server = IrcServerFixture.ngircd();
  private ScheduledExecutorService scheduler;
  private IrcConnection bob;

  @BeforeEach
  void start() throws Exception {
    scheduler = Executors.newScheduledThreadPool(2);
    NetworkConfig network = new NetworkConfig("test", server.get().host(), server.get().port(), false, Optional.empty(),
        "bob", Optional.empty(), SLOW, 3, NetsplitConfig.DEFAULT);
    bob = new IrcConnection(network, new IrcConnection.Identity("bob", "sb", "bob"), NgircdServer.NICK_LENGTH,
        new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1), new SplittableRandom(3)), scheduler, scheduler,
        e -> { });
    bob.connect();
    bob.join(ROOM);
    await().atMost(WAIT).until(() -> bob.isIn(ROOM));
  }

  @AfterEach
  void stop() {
    bob.stop("test over");
    scheduler.shutdownNow();
  }

  @Test
  void aMessageIsDoneWhenItsLineIsWrittenNotWhileItWaitsForAFloodToken() throws Exception {
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      Thread.sleep(2_100); // the JOIN took the bucket's token: start with a full one

      CompletableFuture<Void> first = bob.send(ROOM, MessageKind.TEXT, List.of("one"));
      CompletableFuture<Void> second = bob.send(ROOM, MessageKind.TEXT, List.of("two"));
      CompletableFuture<Void> third = bob.send(ROOM, MessageKind.TEXT, List.of("three"));

      alice.awaitMessage("bob", "#room", "one", WAIT);
      first.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      // "two" and "three" wait for tokens (2 s and 4 s away): queued is not done.
      assertThat(second).isNotDone();
      assertThat(third).isNotDone();

      alice.awaitMessage("bob", "#room", "two", WAIT);
      await().atMost(WAIT).until(second::isDone);
      assertThat(second).isCompleted();
      assertThat(third).as("still 2 s from its token").isNotDone();

      alice.awaitMessage("bob", "#room", "three", WAIT);
      await().atMost(WAIT).until(third::isDone);
      assertThat(third).isCompleted();
    }
  }

  @Test
  void linesQueuedWhenTheConnectionDiesFailAsUnavailableAndAreNeverWrittenLater() throws Exception {
    IrcTestUser alice = IrcTestUser.connect(server.get(), "alice");
    alice.join("#room");
    Thread.sleep(2_100);
    CompletableFuture<Void> first = bob.send(ROOM, MessageKind.TEXT, List.of("one"));
    CompletableFuture<Void> queued = bob.send(ROOM, MessageKind.TEXT, List.of("two", "three"));
    alice.awaitMessage("bob", "#room", "one", WAIT);
    alice.close();

    server.get().restart();

    await().atMost(WAIT).until(queued::isDone);
    assertThat(first).isCompleted();
    assertThat(queued).isCompletedExceptionally();
    assertThat(catchCause(queued)).isInstanceOf(RemoteUnavailableException.class);
    try (IrcTestUser carol = IrcTestUser.connect(server.get(), "carol")) {
      carol.join("#room");
      await().atMost(WAIT).until(() -> bob.isIn(ROOM));
      bob.send(ROOM, MessageKind.TEXT, List.of("after")).get(WAIT.toMillis(),
          java.util.concurrent.TimeUnit.MILLISECONDS);
      carol.awaitMessage("bob", "#room", "after", WAIT);
      // The failed lines are sent again by their event's retry, not by the old queue: nothing of them came through.
      assertThat(carol.messagesTo("#room")).containsExactly("bob: after");
    }
  }

  private static Throwable catchCause(CompletableFuture<Void> future) {
    try {
      future.join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    }
  }
}
