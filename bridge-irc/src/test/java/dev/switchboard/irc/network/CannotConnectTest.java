package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.membership.NetsplitConfig;
import dev.switchboard.irc.portal.ChannelName;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A connection that keeps failing: while its network is up (the bot is connected) that is its user's failure, and
 * their waiting lines end as refused; while the network is down it is an outage, and lines wait.
 */
class CannotConnectTest {
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private IrcConnection connection;

  @AfterEach
  void stop() {
    if (connection != null) {
      connection.stop("test over");
    }
    scheduler.shutdownNow();
  }

  private IrcConnection connectionToNowhere(boolean networkUp) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: connections to it are refused
    }
    NetworkConfig network = new NetworkConfig("test", "127.0.0.1", port, false, Optional.empty(), "bob",
        Optional.empty(), FloodControl.DEFAULT, 3, NetsplitConfig.DEFAULT);
    connection = new IrcConnection(network, new IrcConnection.Identity("bob", "sb", "bob"), 16,
        new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), new SplittableRandom(3)), scheduler, scheduler,
        e -> { });
    connection.useNetworkCheck(() -> networkUp);
    return connection;
  }

  @Test
  void whileTheNetworkIsUpLinesOfAConnectionThatKeepsFailingEndAsRefused() throws Exception {
    IrcConnection bob = connectionToNowhere(true);
    CompletableFuture<Void> sent = bob.send(new ChannelName("#room"), MessageKind.TEXT, List.of("hello"));
    bob.connect();

    await().atMost(Duration.ofSeconds(10)).until(sent::isDone);
    Throwable cause = cause(sent);
    assertThat(cause).isInstanceOf(DeliveryRefused.class);
    assertThat(((DeliveryRefused) cause).stage()).isEqualTo(DeliveryRefused.Stage.CONNECT);
    // Later lines fail at once, with the same refusal (one notice for the episode).
    CompletableFuture<Void> later = bob.send(new ChannelName("#room"), MessageKind.TEXT, List.of("again"));
    assertThat(later).isCompletedExceptionally();
    assertThat(cause(later)).isSameAs(cause);
  }

  @Test
  void whileTheNetworkIsDownTheLinesWait() throws Exception {
    IrcConnection bob = connectionToNowhere(false);
    CompletableFuture<Void> sent = bob.send(new ChannelName("#room"), MessageKind.TEXT, List.of("hello"));
    bob.connect();

    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> !sent.isDone());
    assertThat(bob.connectionState()).isEqualTo("reconnecting");
  }

  private static Throwable cause(CompletableFuture<Void> future) {
    try {
      future.join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    }
  }
}
