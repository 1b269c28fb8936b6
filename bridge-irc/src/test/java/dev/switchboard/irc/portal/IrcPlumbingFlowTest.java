package dev.switchboard.irc.portal;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkCapable;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plumbing through {@link LinkCapable} (what {@code !link}/{@code !unlink} call), and Matrix moderators' kicks and
 * bans reaching IRC through their puppets, end to end with a real ngircd. A plumbed room is the user's own, so they
 * are its moderator.
 */
class IrcPlumbingFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
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
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  private static String ghost(String nick) {
    return "@_irc_test_" + nick + ":test.local";
  }

  /** Links the room; alice, the channel's operator, is asked and says yes. */
  private Link link() throws Exception {
    var linking = bridge.get().connector.link(RoomId.of(room), "test/#Room", UserId.of(bob.userId()));
    String question = alice.awaitLine(l -> l.startsWith(":switchboard!") && IrcTestUser.command(l).equals("NOTICE")
        && l.contains("wants to bridge #room"), WAIT);
    assertThat(question).contains("@bob:test.local wants to bridge #room to the Matrix room " + room);
    alice.say("switchboard", "yes");
    return linking.get(60, TimeUnit.SECONDS);
  }

  @Test
  void anOperatorsNoRefusesTheLinkAndTheBotLeavesTheChannelAgain() throws Exception {
    var linking = bridge.get().connector.link(RoomId.of(room), "test/#room", UserId.of(bob.userId()));
    alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
    alice.awaitLine(l -> IrcTestUser.command(l).equals("NOTICE") && l.contains("wants to bridge #room"), WAIT);
    alice.say("switchboard", "no");

    assertThatThrownBy(() -> linking.get(60, TimeUnit.SECONDS))
        .hasCauseInstanceOf(LinkCapable.LinkException.class)
        .cause().satisfies(e -> assertThat(((LinkCapable.LinkException) e).errcode()).isEqualTo("M_FORBIDDEN"))
        .hasMessageContaining("alice");
    alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" PART #room"), WAIT);
    assertThat(hs.get().roomStateEvent(room, "m.bridge", "dev.switchboard.irc://test/#room")).isNull();
  }

  @Test
  void aChannelWithoutOperatorsCannotBeLinked() throws Exception {
    try (IrcTestUser frank = IrcTestUser.connect(ircd.get(), "frank")) {
      frank.join("#noops");
      frank.awaitLine(l -> l.contains(" 366 "), WAIT);
      frank.send("MODE #noops -o frank");
      frank.awaitLine(l -> l.contains("MODE #noops -o frank"), WAIT);

      assertThatThrownBy(() -> bridge.get().connector.link(RoomId.of(room), "test/#noops", UserId.of(bob.userId()))
          .get(60, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(LinkCapable.LinkException.class, e -> assertThat(e.errcode())
              .isEqualTo("DEV.SWITCHBOARD.NO_CHANNEL_OPERATORS"));
    }
  }

  @Test
  void aLinkedRoomIsBridgedAndUnlinkingRemovesTheGhostsAndLeavesTheRoomIntact() throws Exception {
    Link link = link();

    assertThat(link).isEqualTo(new Link(RoomId.of(room), "irc", "test/#room", true));
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(ghost("alice"))));
    JsonNode state = hs.get().roomStateEvent(room, "m.bridge", "dev.switchboard.irc://test/#room");
    assertThat(state.path("content").path("channel").path("id").asText()).isEqualTo("#room");
    alice.say("#room", "hello plumbed room");
    hs.get().awaitEvent(room, ghost("alice"), e -> e.path("content").path("body").asText().equals("hello plumbed room"),
        WAIT);
    bob.send(room, "hi from matrix");
    alice.awaitMessage("bob", "#room", "hi from matrix", WAIT);

    bridge.get().connector.unlink(link).get(30, TimeUnit.SECONDS);

    await().atMost(WAIT).until(() -> "leave".equals(hs.get().members(room).get(ghost("alice"))));
    alice.awaitLine(l -> l.startsWith(":switchboard!") && IrcTestUser.command(l).equals("PART"), WAIT);
    alice.awaitLine(l -> l.startsWith(":bob!") && IrcTestUser.command(l).equals("PART"), WAIT);
    assertThat(hs.get().roomStateEvent(room, "m.bridge", "dev.switchboard.irc://test/#room").path("content").isEmpty())
        .isTrue();
    assertThat(hs.get().members(room)).containsEntry(bob.userId(), "join");
    assertThat(hs.get().roomStateEvent(room, "m.room.name", "").path("content").path("name").asText())
        .isEqualTo("Bob's room");
    // Nothing crosses any more, either way.
    bob.send(room, "after unlink");
    alice.say("#room", "after unlink too");
    Thread.sleep(1_000);
    assertThat(alice.messagesTo("#room")).noneMatch(m -> m.contains("after unlink"));
    assertThat(hs.get().timeline(room))
        .noneMatch(e -> e.path("content").path("body").asText().equals("after unlink too"));
  }

  @Test
  void linkingRefusesBadChannelsUnknownNetworksAndChannelsBridgedElsewhere() throws Exception {
    assertThat(bridge.get().connector.normaliseRemoteRoom("test/#Java")).isEqualTo("test/#java");
    assertThatThrownBy(() -> bridge.get().connector.normaliseRemoteRoom("test/java"))
        .isInstanceOfSatisfying(LinkCapable.LinkException.class, e -> assertThat(e.errcode()).isEqualTo("M_INVALID_PARAM"));
    assertThatThrownBy(() -> bridge.get().connector.normaliseRemoteRoom("elsewhere/#java"))
        .isInstanceOfSatisfying(LinkCapable.LinkException.class, e -> assertThat(e.errcode()).isEqualTo("M_NOT_FOUND"));
    link();
    String other = bob.createRoom(RoomSpec.publicRoom());
    bob.invite(other, BOT);

    assertThatThrownBy(() -> bridge.get().connector.link(RoomId.of(other), "test/#room", UserId.of(bob.userId()))
        .get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(LinkCapable.LinkException.class)
        .hasMessageContaining("already bridged");
  }

  @Test
  void aModeratorsKickAndBanReachIrcOnlyWhenTheirPuppetHasOps() throws Exception {
    try (IrcTestUser charlie = IrcTestUser.connect(ircd.get(), "charlie");
        IrcTestUser dave = IrcTestUser.connect(ircd.get(), "dave");
        IrcTestUser erin = IrcTestUser.connect(ircd.get(), "erin")) {
      for (IrcTestUser u : new IrcTestUser[] {charlie, dave, erin}) {
        u.join("#room");
      }
      link();
      await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(ghost("erin"))));
      bob.send(room, "hello");
      alice.awaitMessage("bob", "#room", "hello", WAIT);

      // Without ops: nothing on IRC, and bob is told why.
      bob.kick(room, ghost("charlie"), "go away");
      JsonNode notice = hs.get().awaitEvent(room, BOT,
          e -> e.path("content").path("msgtype").asText().equals("m.notice")
              && e.path("content").path("body").asText().startsWith("@bob"), WAIT);
      assertThat(notice.path("content").path("body").asText()).isEqualTo("@bob:test.local: Could not kick charlie on "
          + "IRC: your IRC nick bob is not a channel operator in #room.");

      alice.send("MODE #room +o bob");
      await().atMost(WAIT).until(() -> bridge.get().botSeesModes("test", "#room", "bob").contains("o"));
      bob.kick(room, ghost("dave"), "be nice");
      alice.awaitLine(l -> l.startsWith(":bob!") && IrcTestUser.command(l).equals("KICK") && l.contains("#room dave :be nice"),
          WAIT);
      bob.ban(room, ghost("erin"), "");
      alice.awaitLine(l -> l.startsWith(":bob!") && l.contains("MODE #room +b erin!*@*"), WAIT);
      alice.awaitLine(l -> l.startsWith(":bob!") && l.contains("KICK #room erin :Banned from the Matrix room"), WAIT);

      assertThat(alice.lines()).noneMatch(l -> l.contains("KICK #room charlie"));
      // The kicks came from Matrix: the ghosts stay as the moderator left them, with no second kick by the bot.
      Thread.sleep(1_000);
      assertThat(hs.get().members(room)).containsEntry(ghost("dave"), "leave").containsEntry(ghost("erin"), "ban");
      assertThat(hs.get().timeline(room)).noneMatch(e -> e.path("type").asText().equals("m.room.member")
          && e.path("sender").asText().equals(BOT) && e.path("state_key").asText().startsWith("@_irc_"));
    }
  }

  @Test
  void aTopicSetInMatrixReachesIrcThroughTheSettersOppedPuppetAndBack() throws Exception {
    link();
    bob.send(room, "hello");
    alice.awaitMessage("bob", "#room", "hello", WAIT);
    alice.send("MODE #room +o bob"); // ngircd channels are +t: topics need ops
    await().atMost(WAIT).until(() -> bridge.get().botSeesModes("test", "#room", "bob").contains("o"));

    bob.sendState(room, "m.room.topic", "", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
        .put("topic", "set in matrix\nwith a second line"));

    alice.awaitLine(l -> l.startsWith(":bob!") && IrcTestUser.command(l).equals("TOPIC")
        && l.endsWith("#room :set in matrix with a second line"), WAIT);
    alice.send("TOPIC #room :set on irc");
    await().atMost(WAIT).until(() -> hs.get().roomStateEvent(room, "m.room.topic", "").path("content").path("topic")
        .asText().equals("set on irc"));
  }
}
