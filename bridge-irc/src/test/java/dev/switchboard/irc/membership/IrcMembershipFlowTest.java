package dev.switchboard.irc.membership;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
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
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Membership and room state end to end: nick changes, topics both ways, kick/part/quit, netsplit debouncing. */
class IrcMembershipFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ALIAS = "#_irc_test_#room:test.local";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Short enough for a test, long enough to come back within. */
  private static final Duration NETSPLIT_DELAY = Duration.ofSeconds(3);

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port(), network -> network.putObject("netsplit")
        .put("delay_seconds", NETSPLIT_DELAY.toSeconds()).put("quits_per_second", 3)));
  private IrcTestUser alice;
  private TestUser bob;
  private String room;

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice"); // first in #room: channel operator
    alice.join("#room");
    bob = hs.get().user("bob");
    room = bob.join(ALIAS);
    alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  private static String ghost(String nick) {
    return "@_irc_test_" + nick + ":test.local";
  }

  private void awaitMembership(String user, String membership) {
    await().atMost(WAIT).until(() -> membership.equals(hs.get().members(room).get(user)));
  }

  private IrcTestUser ircUserInRoom(String nick) throws Exception {
    IrcTestUser user = IrcTestUser.connect(ircd.get(), nick);
    user.join("#room");
    awaitMembership(ghost(nick), "join");
    return user;
  }

  @Test
  void aNickChangeMakesTheNewGhostJoinAndTheOldOneLeave() throws Exception {
    try (IrcTestUser charlie = ircUserInRoom("charlie")) {
      charlie.send("NICK chaz");

      awaitMembership(ghost("chaz"), "join");
      awaitMembership(ghost("charlie"), "leave");
      assertThat(hs.get().displayName(ghost("chaz"))).isEqualTo("chaz");
      charlie.say("#room", "new name");
      hs.get().awaitEvent(room, ghost("chaz"), e -> e.path("content").path("body").asText().equals("new name"), WAIT);
    }
  }

  @Test
  void theTopicComesFromIrcWhenThePortalOpensAndCrossesBothWaysAfter() throws Exception {
    alice.join("#other");
    alice.send("TOPIC #other :initial topic");
    alice.awaitLine(l -> IrcTestUser.command(l).equals("TOPIC") && l.contains("#other"), WAIT);
    String other = bob.join("#_irc_test_#other:test.local");
    await().atMost(WAIT).until(() -> topicOf(other).equals("initial topic"));

    alice.send("TOPIC #room :set on irc");
    await().atMost(WAIT).until(() -> topicOf(room).equals("set on irc"));

    Thread.sleep(1_000); // the bot's own topic writes are not echoed back into more state events
    assertThat(hs.get().timeline(room)).filteredOn(e -> e.path("type").asText().equals("m.room.topic"))
        .extracting(e -> e.path("content").path("topic").asText())
        .containsExactly("set on irc");
    // Matrix -> IRC needs topic rights in the room (power level 50 in a portal until IRC modes map to power
    // levels): IrcConnectorTest covers it without a homeserver.
  }

  private String topicOf(String roomId) {
    JsonNode topic = hs.get().roomStateEvent(roomId, "m.room.topic", "");
    return topic == null ? "" : topic.path("content").path("topic").asText();
  }

  @Test
  void kickPartAndQuitMakeTheGhostLeave() throws Exception {
    try (IrcTestUser charlie = ircUserInRoom("charlie"); IrcTestUser dave = ircUserInRoom("dave");
        IrcTestUser erin = ircUserInRoom("erin")) {
      alice.send("KICK #room charlie :spamming");
      dave.part("#room");
      erin.send("QUIT :gone for lunch");

      awaitMembership(ghost("charlie"), "leave");
      awaitMembership(ghost("dave"), "leave");
      awaitMembership(ghost("erin"), "leave");
      JsonNode kick = hs.get().roomStateEvent(room, "m.room.member", ghost("charlie"));
      assertThat(kick.path("sender").asText()).isEqualTo("@switchboard:test.local");
      assertThat(kick.path("content").path("reason").asText()).isEqualTo("Kicked on IRC by alice: spamming");
    }
  }

  @Test
  void aMassQuitIsHeldAndForgottenForThoseWhoComeBack() throws Exception {
    // quits_per_second is 3: the first three of a burst leave at once, the rest are held like a netsplit.
    // (ngircd quotes user quit messages, so a user cannot fake the "server server" shape of a real netsplit.)
    List<IrcTestUser> quitters = new ArrayList<>();
    for (String nick : List.of("u1", "u2", "u3", "charlie", "dave")) {
      quitters.add(ircUserInRoom(nick));
    }

    for (IrcTestUser u : quitters) {
      u.send("QUIT :ping timeout");
    }
    alice.awaitLine(l -> l.startsWith(":dave!") && IrcTestUser.command(l).equals("QUIT"), WAIT);
    quitters.forEach(IrcTestUser::close);
    awaitMembership(ghost("u1"), "leave");
    try (IrcTestUser back = IrcTestUser.connect(ircd.get(), "charlie")) {
      back.join("#room");
      Thread.sleep(NETSPLIT_DELAY.toMillis() / 2);
      assertThat(hs.get().members(room)).containsEntry(ghost("dave"), "join"); // held back

      awaitMembership(ghost("dave"), "leave"); // dave did not come back
      Thread.sleep(1_000);
      assertThat(hs.get().members(room)).containsEntry(ghost("charlie"), "join");
      assertThat(hs.get().timeline(room)).noneMatch(e -> e.path("type").asText().equals("m.room.member")
          && e.path("state_key").asText().equals(ghost("charlie"))
          && e.path("content").path("membership").asText().equals("leave"));
    }
  }

  @Test
  void aMatrixUserLeavingTheRoomPartsTheirPuppet() throws Exception {
    bob.send(room, "bye");
    alice.awaitMessage("bob", "#room", "bye", WAIT);

    bob.leave(room);

    alice.awaitLine(l -> l.startsWith(":bob!") && IrcTestUser.command(l).equals("PART") && l.contains("#room"), WAIT);
  }
}
