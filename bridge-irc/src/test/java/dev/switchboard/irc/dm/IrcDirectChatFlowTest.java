package dev.switchboard.irc.dm;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.AsTransaction;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Direct chats both ways, end to end through the testkit homeserver and a real ngircd. */
class IrcDirectChatFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

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

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice");
    bob = hs.get().user("bob");
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  private static String ghost(String nick) {
    return "@_irc_test_" + nick + ":test.local";
  }

  /** The room a ghost invited bob to, as the homeserver pushed the invite to the bridge. */
  private String roomBobWasInvitedToBy(String ghost) {
    AtomicReference<String> room = new AtomicReference<>();
    await().atMost(WAIT).until(() -> {
      for (AsTransaction t : hs.get().asTransactions()) {
        for (JsonNode e : t.body().path("events")) {
          if (e.path("type").asText().equals("m.room.member") && e.path("sender").asText().equals(ghost)
              && e.path("state_key").asText().equals(bob.userId())
              && e.path("content").path("membership").asText().equals("invite")) {
            room.set(e.path("room_id").asText());
            return true;
          }
        }
      }
      return false;
    });
    return room.get();
  }

  @Test
  void aPrivateMessageToAPuppetOpensADirectRoomWithTheGhost() throws Exception {
    String portal = bob.join("#_irc_test_#room:test.local"); // bob's puppet connects
    alice.join("#room");
    alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);

    alice.say("bob", "psst, bob");
    alice.say("bob", "second line");

    String dm = roomBobWasInvitedToBy(ghost("alice"));
    assertThat(dm).isNotEqualTo(portal);
    JsonNode create = hs.get().roomStateEvent(dm, "m.room.member", bob.userId());
    assertThat(create.path("content").path("is_direct").asBoolean()).isTrue();
    bob.join(dm);
    hs.get().awaitEvent(dm, ghost("alice"), e -> e.path("content").path("body").asText().equals("psst, bob"), WAIT);
    hs.get().awaitEvent(dm, ghost("alice"), e -> e.path("content").path("body").asText().equals("second line"), WAIT);

    bob.send(dm, "hi alice, privately");
    alice.awaitMessage("bob", "alice", "hi alice, privately", WAIT);
    // One room per pair: the next private message goes to the same room.
    alice.say("bob", "again");
    hs.get().awaitEvent(dm, ghost("alice"), e -> e.path("content").path("body").asText().equals("again"), WAIT);
    assertThat(alice.messagesTo("#room")).isEmpty();
  }

  /**
   * The testkit homeserver does not ask the bridge about unknown users on invite (Synapse does, through the user
   * query): alice's ghost must exist first, which it does once she is in a portal.
   */
  private void aliceHasAGhost() throws Exception {
    alice.join("#room");
    String portal = bob.join("#_irc_test_#room:test.local");
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(portal).get(ghost("alice"))));
  }

  @Test
  void invitingAGhostToADirectRoomSendsItPrivateMessages() throws Exception {
    aliceHasAGhost();
    String dm = bob.createRoom(RoomSpec.privateRoom().invite(ghost("alice")).direct());
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(dm).get(ghost("alice"))));

    bob.send(dm, "hello alice");

    alice.awaitMessage("bob", "alice", "hello alice", WAIT);
    alice.say("bob", "hello bob");
    hs.get().awaitEvent(dm, ghost("alice"), e -> e.path("content").path("body").asText().equals("hello bob"), WAIT);
    assertThat(hs.get().displayName(ghost("alice"))).isEqualTo("alice");
  }

  @Test
  void aGhostInvitedToARoomThatIsNotDirectDeclines() throws Exception {
    aliceHasAGhost();
    String group = bob.createRoom(RoomSpec.privateRoom().invite(ghost("alice")));

    await().atMost(WAIT).until(() -> "leave".equals(hs.get().members(group).get(ghost("alice"))));
    assertThat(Optional.ofNullable(hs.get().members(group).get(ghost("alice")))).contains("leave");
  }
}
