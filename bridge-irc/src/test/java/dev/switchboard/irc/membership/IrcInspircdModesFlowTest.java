package dev.switchboard.irc.membership;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.InspircdServer;
import dev.switchboard.testkit.irc.IrcTestUser;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Modes, bans and private messages against InspIRCd, whose replies differ from ngircd's: no {@code multi-prefix}
 * in the test config (NAMES shows the highest prefix only), {@code prefixquit}, and IRCv3 tags on private messages.
 */
class IrcInspircdModesFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<InspircdServer> ircd = IrcServerFixture.inspircd();
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port()));
  private IrcTestUser alice;
  private TestUser bob;
  private String room;

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice", "message-tags");
    alice.join("#room");
    bob = hs.get().user("bob");
    room = bob.join("#_irc_test_#room:test.local");
    alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":bob!") && l.contains(" JOIN "), WAIT);
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  private static String ghost(String nick) {
    return "@_irc_test_" + nick + ":test.local";
  }

  private int powerLevel(String user) {
    JsonNode levels = hs.get().roomStateEvent(room, "m.room.power_levels", "");
    return levels == null ? -1 : levels.path("content").path("users").path(user).asInt(0);
  }

  @Test
  void modesBecomePowerLevelsAndJoinRulesAndBansBanTheGhost() throws Exception {
    await().atMost(WAIT).until(() -> powerLevel(ghost("alice")) == 50);
    try (IrcTestUser carol = IrcTestUser.connect(ircd.get(), "carol")) {
      carol.join("#room");
      await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(ghost("carol"))));

      alice.send("MODE #room +v carol");
      await().atMost(WAIT).until(() -> powerLevel(ghost("carol")) == 1);
      alice.send("MODE #room +i");
      await().atMost(WAIT).until(() -> hs.get().roomStateEvent(room, "m.room.join_rules", "").path("content")
          .path("join_rule").asText().equals("invite"));
      alice.send("MODE #room +b carol!*@*");
      await().atMost(WAIT).until(() -> "ban".equals(hs.get().members(room).get(ghost("carol"))));
    }
  }

  @Test
  void privateMessagesOpenADirectChat() throws Exception {
    alice.say("bob", "psst");

    await().atMost(WAIT).until(() -> hs.get().asTransactions().stream().flatMap(t -> {
      var events = new java.util.ArrayList<JsonNode>();
      t.body().path("events").forEach(events::add);
      return events.stream();
    }).anyMatch(e -> e.path("type").asText().equals("m.room.member") && e.path("sender").asText()
        .equals(ghost("alice")) && e.path("state_key").asText().equals(bob.userId())
        && e.path("content").path("membership").asText().equals("invite")));
  }
}
