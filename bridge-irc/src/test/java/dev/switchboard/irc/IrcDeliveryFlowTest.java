package dev.switchboard.irc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Matrix → IRC through an IRC server restart (issue #15): messages still waiting in a puppet's flood queue when the
 * connection dies are not done; they are held, sent again after the reconnect, and reach the channel once each, in
 * order. One line every 2 s, so most of the burst is queued when the server goes away.
 */
class IrcDeliveryFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ALIAS = "#_irc_test_#room:test.local";

  @TempDir
  Path dir;
  private NgircdServer ircd;
  private TestHomeserver hs;
  private IrcBridgeHarness bridge;

  @BeforeEach
  void start() throws Exception {
    ircd = NgircdServer.start();
    hs = IrcBridgeHarness.startHomeserver();
    bridge = new IrcBridgeHarness(hs, dir, ircd.host(), ircd.port(),
        network -> network.putObject("flood").put("burst", 1).put("per_second", 0.5));
  }

  @AfterEach
  void stop() {
    bridge.close();
    hs.close();
    ircd.close();
  }

  @Test
  void messagesQueuedWhenTheServerRestartsArriveAfterTheReconnectOnceEachInOrder() throws Exception {
    List<String> seen = new ArrayList<>();
    try (IrcTestUser before = IrcTestUser.connect(ircd, "alice")) {
      before.join("#room");
      TestUser bob = hs.user("bob");
      String room = bob.join(ALIAS);
      before.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);
      for (int i = 1; i <= 5; i++) {
        bob.send(room, "message " + i);
      }
      before.awaitMessage("bob", "#room", "message 1", WAIT);

      ircd.stop(); // the next line is about 2 s away: nothing is in flight
      seen.addAll(before.messagesTo("#room"));
    }
    Thread.sleep(1_000); // the bridge's reconnects back off while the server is away
    ircd.startAgain();
    try (IrcTestUser after = IrcTestUser.connect(ircd, "alice")) {
      after.join("#room");
      after.awaitMessage("bob", "#room", "message 5", WAIT);
      seen.addAll(after.messagesTo("#room"));
    }

    assertThat(seen).as("every message once, in order, across the restart")
        .containsExactly("bob: message 1", "bob: message 2", "bob: message 3", "bob: message 4", "bob: message 5");
  }
}
