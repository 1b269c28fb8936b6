package dev.switchboard.irc.ghost;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.homeserver.presence.Presence;
import dev.switchboard.testkit.irc.InspircdServer;
import dev.switchboard.testkit.irc.IrcTestUser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * IRC away state → ghost presence against InspIRCd 3, whose {@code ircv3} module offers {@code away-notify}: an IRC
 * user's {@code AWAY :message} makes their ghost {@code unavailable} with that status message, a bare {@code AWAY}
 * makes it {@code online}, QUIT {@code offline}; someone already away when the bot joins is found in the WHO list.
 */
class IrcPresenceFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String ALIAS = "#_irc_test_#room:test.local";
  private static final String ALICE_GHOST = "@_irc_test_alice:test.local";
  private static final String CAROL_GHOST = "@_irc_test_carol:test.local";

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<InspircdServer> ircd = IrcServerFixture.inspircd();
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  /** Settings of the {@code irc} section, chosen by each test before it starts the bridge. */
  private Consumer<ObjectNode> section = s -> { };
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port(), network -> { }, s -> section.accept(s))).onFirstUse();

  @Test
  void withPresenceOffAwayChangesNothing() throws Exception {
    section = s -> s.put("presence", false);
    bridge.get();
    try (IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice")) {
      alice.join("#room");
      TestUser bob = hs.get().user("bob");
      String room = bob.join(ALIAS);
      await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(ALICE_GHOST)));

      alice.send("AWAY :lunch");
      alice.awaitLine(l -> IrcTestUser.command(l).equals("306"), WAIT);
      alice.say("#room", "after lunch started");
      // The bot handles alice's AWAY before her message, and would have asked for her presence then.
      hs.get().awaitEvent(room, ALICE_GHOST, e -> e.path("content").path("body").asText().equals("after lunch started"),
          WAIT);

      assertThat(hs.get().presence(ALICE_GHOST)).isNull();
      assertThat(hs.get().requests("PUT", "/presence/")).isEmpty();
    }
  }

  private Presence awaitPresence(String ghost, String state, String statusMsg) {
    return await().atMost(WAIT).until(() -> hs.get().presence(ghost),
        p -> p != null && p.presence().equals(state) && Objects.equals(p.statusMsg(), statusMsg));
  }

  @Test
  void anIrcUsersAwayBackAndQuitBecomeTheirGhostsPresence() throws Exception {
    bridge.get();
    try (IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice");
        IrcTestUser carol = IrcTestUser.connect(ircd.get(), "carol")) {
      alice.join("#room");
      carol.join("#room");
      // carol is away before the bridge is in the channel: only the WHO list when the bot joins can tell.
      carol.send("AWAY :coffee");
      carol.awaitLine(l -> IrcTestUser.command(l).equals("306"), WAIT);
      TestUser bob = hs.get().user("bob");
      String room = bob.join(ALIAS);
      await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(ALICE_GHOST)));

      awaitPresence(CAROL_GHOST, "unavailable", null);

      alice.send("AWAY :lunch");
      awaitPresence(ALICE_GHOST, "unavailable", "lunch");

      alice.send("AWAY");
      awaitPresence(ALICE_GHOST, "online", null);

      alice.send("QUIT :home time");
      awaitPresence(ALICE_GHOST, "offline", null);

      // The bot's own connection and bob's puppet never get a presence from IRC.
      assertThat(hs.get().presence("@switchboard:test.local")).isNull();
      assertThat(hs.get().requests("PUT", "/presence/")).allSatisfy(r -> assertThat(r.userId())
          .isIn(ALICE_GHOST, CAROL_GHOST));
    }
  }
}
