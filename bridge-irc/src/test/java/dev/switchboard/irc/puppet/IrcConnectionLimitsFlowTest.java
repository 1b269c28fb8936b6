package dev.switchboard.irc.puppet;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.RecordedRequest;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A network's max_connections refuses puppets beyond it (the user is told); connect_rate queues connects. */
class IrcConnectionLimitsFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String ALIAS = "#_irc_test_#room:test.local";

  @TempDir
  Path dir;

  private static List<String> notices(TestHomeserver hs, String about) {
    return hs.requests("PUT", "/send/m.room.message/").stream()
        .filter(r -> r.status() == 200 && r.body() != null)
        .map(RecordedRequest::body)
        .filter(b -> b.path("msgtype").asText().equals("m.notice") && b.path("body").asText().startsWith(about))
        .map(b -> b.path("body").asText())
        .toList();
  }

  @Test
  void aUserBeyondMaxConnectionsIsToldAndNothingOfTheirsReachesIrc() throws Exception {
    try (NgircdServer ircd = NgircdServer.start();
        TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        IrcBridgeHarness bridge = new IrcBridgeHarness(hs, dir, ircd.host(), ircd.port(),
            n -> n.put("max_connections", 2));
        IrcTestUser alice = IrcTestUser.connect(ircd, "alice")) {
      alice.join("#room");
      TestUser bob = hs.user("bob");
      TestUser carol = hs.user("carol");
      TestUser dave = hs.user("dave");
      String room = bob.join(ALIAS);
      bob.send(room, "bob here");
      alice.awaitMessage("bob", "#room", "bob here", WAIT);
      carol.join(room);
      carol.send(room, "carol here");
      alice.awaitMessage("carol", "#room", "carol here", WAIT);

      dave.join(room);
      dave.send(room, "dave here");
      await().atMost(WAIT).until(() -> !notices(hs, "@dave:test.local: ").isEmpty());
      assertThat(notices(hs, "@dave:test.local: ").get(0))
          .contains("all 2 IRC connections the bridge may open on this network are in use");
      // Said after dave's line in the same room, so relayed after it: dave's would have arrived first.
      bob.send(room, "after dave");
      alice.awaitMessage("bob", "#room", "after dave", WAIT);
      assertThat(alice.messagesTo("#room")).containsExactly("bob: bob here", "carol: carol here",
          "bob: after dave");
      assertThat(alice.lines()).noneMatch(l -> l.startsWith(":dave!"));
      // Told once, not for every message.
      dave.send(room, "dave again");
      bob.send(room, "after again");
      alice.awaitMessage("bob", "#room", "after again", WAIT);
      assertThat(notices(hs, "@dave:test.local: ")).hasSize(1);
    }
  }

  @Test
  void withAConnectRateEveryPuppetStillConnectsAndSpeaks() throws Exception {
    try (NgircdServer ircd = NgircdServer.start();
        TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        IrcBridgeHarness bridge = new IrcBridgeHarness(hs, dir, ircd.host(), ircd.port(),
            n -> n.put("connect_rate", 2));
        IrcTestUser alice = IrcTestUser.connect(ircd, "alice")) {
      alice.join("#room");
      TestUser first = hs.user("user0");
      String room = first.join(ALIAS);
      for (int i = 1; i < 5; i++) {
        hs.user("user" + i).join(room);
      }
      for (int i = 0; i < 5; i++) {
        hs.user("user" + i).send(room, "hello " + i);
      }
      for (int i = 0; i < 5; i++) {
        alice.awaitMessage("user" + i, "#room", "hello " + i, WAIT);
      }
      for (int i = 0; i < 5; i++) {
        String nick = "user" + i;
        assertThat(alice.messagesTo("#room")).containsOnlyOnce(nick + ": hello " + i);
      }
    }
  }
}
