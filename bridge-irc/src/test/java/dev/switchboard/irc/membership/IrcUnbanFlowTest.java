package dev.switchboard.irc.membership;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unbans both ways against ngircd: {@code MODE -b} on IRC lifts the Matrix ban of the ghosts that mask banned, and a
 * room moderator's Matrix unban of a ghost becomes {@code MODE -b <the mask that banned it>} from their opped puppet.
 */
class IrcUnbanFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String BOT = "@switchboard:test.local";

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
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
    alice = IrcTestUser.connect(ircd.get(), "alice"); // first in #room: channel operator
    alice.join("#room");
    bob = hs.get().user("bob");
    room = bob.createRoom(RoomSpec.publicRoom().name("Bob's room"));
    bob.invite(room, BOT);
    bob.setPowerLevel(room, BOT, 100);
    var linking = bridge.get().connector.link(RoomId.of(room), "test/#room", UserId.of(bob.userId()));
    alice.awaitLine(l -> l.startsWith(":switchboard!") && IrcTestUser.command(l).equals("NOTICE")
        && l.contains("wants to bridge #room"), WAIT);
    alice.say("switchboard", "yes");
    linking.get(60, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  private static String ghost(String nick) {
    return "@_irc_test_" + nick + ":test.local";
  }

  /** A leave of {@code ghost} that lifts an IRC ban (the bridge names the unban in its reason). */
  private static boolean isUnbanOf(JsonNode e, String ghost) {
    return e.path("type").asText().equals("m.room.member") && e.path("state_key").asText().equals(ghost)
        && e.path("content").path("membership").asText().equals("leave")
        && e.path("content").path("reason").asText().startsWith("Unbanned on IRC");
  }

  private String membership(String nick) {
    return hs.get().members(room).get(ghost(nick));
  }

  @Test
  void anIrcUnbanLiftsTheMatrixBanOfTheGhostsThatMaskBanned() throws Exception {
    try (IrcTestUser charlie = IrcTestUser.connect(ircd.get(), "charlie");
        IrcTestUser dave = IrcTestUser.connect(ircd.get(), "dave")) {
      charlie.join("#room");
      dave.join("#room");
      await().atMost(WAIT).until(() -> "join".equals(membership("charlie")) && "join".equals(membership("dave")));

      alice.send("MODE #room +b charlie!*@*");
      alice.send("MODE #room +b *!~dave@*");
      await().atMost(WAIT).alias("both ghosts banned (members when the wait began: " + hs.get().members(room) + ")")
          .until(() -> "ban".equals(membership("charlie")) && "ban".equals(membership("dave")));

      // dave is still in the IRC channel, so the unbanned ghost may join again right away: look for the unban
      // itself in the timeline rather than polling for a "leave" that can be gone before the next poll.
      alice.send("MODE #room -b *!~dave@*");
      JsonNode daveMember = hs.get().awaitEvent(room, BOT, e -> isUnbanOf(e, ghost("dave")), WAIT);
      assertThat(daveMember.path("content").path("reason").asText()).isEqualTo("Unbanned on IRC by alice (*!~dave@*)");
      assertThat(membership("charlie")).isEqualTo("ban");

      alice.send("MODE #room -b charlie!*@*");
      hs.get().awaitEvent(room, BOT, e -> isUnbanOf(e, ghost("charlie")), WAIT);
      await().atMost(WAIT).until(() -> !"ban".equals(membership("charlie")));

      // Unbanned, the IRC user may come back, and their ghost with them.
      charlie.send("PART #room");
      charlie.join("#room");
      await().atMost(WAIT).until(() -> "join".equals(membership("charlie")));
    }
  }

  @Test
  void aModeratorsMatrixUnbanReachesIrcThroughTheirOppedPuppetWithTheMaskThatBanned() throws Exception {
    try (IrcTestUser erin = IrcTestUser.connect(ircd.get(), "erin");
        IrcTestUser frank = IrcTestUser.connect(ircd.get(), "frank");
        IrcTestUser gina = IrcTestUser.connect(ircd.get(), "gina")) {
      for (IrcTestUser u : new IrcTestUser[] {erin, frank, gina}) {
        u.join("#room");
      }
      await().atMost(WAIT).until(() -> "join".equals(membership("erin")) && "join".equals(membership("frank"))
          && "join".equals(membership("gina")));
      bob.send(room, "hello");
      alice.awaitMessage("bob", "#room", "hello", WAIT);

      // bob's puppet has no ops: nothing on IRC, and bob is told why.
      alice.send("MODE #room +b gina!*@*");
      await().atMost(WAIT).until(() -> "ban".equals(membership("gina")));
      bob.unban(room, ghost("gina"));
      JsonNode notice = hs.get().awaitEvent(room, BOT,
          e -> e.path("content").path("msgtype").asText().equals("m.notice")
              && e.path("content").path("body").asText().startsWith("@bob"), WAIT);
      assertThat(notice.path("content").path("body").asText()).isEqualTo("@bob:test.local: Could not unban gina on "
          + "IRC: your IRC nick bob is not a channel operator in #room.");

      alice.send("MODE #room +o bob");
      await().atMost(WAIT).until(() -> bridge.get().botSeesModes("test", "#room", "bob").contains("o"));

      // A ban made in Matrix and lifted in Matrix: +b erin!*@* then -b erin!*@*, both from bob's puppet.
      bob.ban(room, ghost("erin"), "");
      alice.awaitLine(l -> l.startsWith(":bob!") && l.contains("MODE #room +b erin!*@*"), WAIT);
      bob.unban(room, ghost("erin"));
      alice.awaitLine(l -> l.startsWith(":bob!") && l.contains("MODE #room -b erin!*@*"), WAIT);

      // frank's ghost was banned from IRC with a user mask: bob's unban lifts that mask.
      alice.send("MODE #room +b *!~frank@*");
      await().atMost(WAIT).until(() -> "ban".equals(membership("frank")));
      bob.unban(room, ghost("frank"));
      alice.awaitLine(l -> l.startsWith(":bob!") && l.contains("MODE #room -b *!~frank@*"), WAIT);
      // erin and frank are still in the IRC channel, so their ghosts may already have joined again: what must
      // hold is that neither is banned any more.
      assertThat(hs.get().members(room).get(ghost("erin"))).isNotEqualTo("ban");
      assertThat(hs.get().members(room).get(ghost("frank"))).isNotEqualTo("ban");
      // The IRC unbans came from Matrix: the bot does not unban or ban erin in the room itself.
      assertThat(hs.get().timeline(room)).noneMatch(e -> e.path("type").asText().equals("m.room.member")
          && e.path("sender").asText().equals(BOT) && e.path("state_key").asText().equals(ghost("erin")));
    }
  }
}
