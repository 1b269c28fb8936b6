package dev.switchboard.irc.network;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.ghost.GhostRelay;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.AnopeServices;
import dev.switchboard.testkit.irc.IrcTestUser;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * IRCv3 against InspIRCd 3 with services ({@link AnopeServices}: {@code ircv3}, {@code ircv3_echomessage},
 * {@code ircv3_accounttag}, {@code ircv3_msgid}): {@code echo-message} confirms puppet lines and gives them their
 * msgid (so an IRC reply to a Matrix user's line becomes a Matrix reply), echoes are never relayed back (no double
 * message, no direct chat with oneself); {@code account-tag} / {@code extended-join} put the sender's services
 * account on bridged messages.
 */
class IrcV3FlowTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String ALIAS = "#_irc_test_#room:test.local";

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<AnopeServices> ircd = Fixture.of(AnopeServices::start);
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port()));

  private static String ghost(String nick) {
    return "@_irc_test_" + nick + ":test.local";
  }

  @Test
  void echoMessageConfirmsPuppetLinesAndTheirMsgidsMakeIrcRepliesMatrixReplies() throws Exception {
    try (IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice", "message-tags", "server-time")) {
      alice.join("#room");
      TestUser bob = hs.get().user("bob");
      String room = bob.join(ALIAS);
      alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":bob!") && l.contains(" JOIN "), WAIT);

      String bobsEvent = bob.send(room, "a question from matrix");
      String seen = alice.awaitMessage("bob", "#room", "a question from matrix", WAIT);
      String msgid = IrcTestUser.tag(seen, "msgid");
      IrcConnection puppet = bridge.get().puppetOf("test", UserId.of(bob.userId())).orElseThrow();
      assertThat(puppet.echoMessage()).isTrue();
      await().atMost(WAIT).until(() -> puppet.confirmedLines() >= 1 && puppet.unconfirmedLines() == 0);

      // alice answers with a reply tag naming the line bob's puppet sent: the msgid came from the echo.
      alice.send("@+draft/reply=" + msgid + " PRIVMSG #room :the answer");
      JsonNode answer = hs.get().awaitEvent(room, ghost("alice"),
          e -> e.path("content").path("body").asText().equals("the answer"), WAIT);
      assertThat(answer.path("content").path("m.relates_to").path("m.in_reply_to").path("event_id").asText())
          .isEqualTo(bobsEvent);

      // A Matrix reply in the other direction still names alice, and each line reached IRC once.
      ObjectNode reply = new ObjectMapper().createObjectNode().put("msgtype", "m.text").put("body", "thanks");
      reply.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", answer.path("event_id").asText());
      bob.sendEvent(room, "m.room.message", reply);
      alice.awaitMessage("bob", "#room", "alice: thanks", WAIT);
      assertThat(alice.messagesTo("#room")).containsOnlyOnce("bob: a question from matrix");

      // The echoes were not relayed back: the room holds bob's message once, and no ghost of bob exists.
      assertThat(hs.get().timeline(room).stream().filter(e -> e.path("content").path("body").asText()
          .equals("a question from matrix"))).hasSize(1);
      assertThat(hs.get().userExists(ghost("bob"))).isFalse();
    }
  }

  @Test
  void anEchoedPrivateMessageDoesNotOpenADirectChatWithOneself() throws Exception {
    try (IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice")) {
      alice.join("#room");
      TestUser bob = hs.get().user("bob");
      String room = bob.join(ALIAS);
      alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":bob!") && l.contains(" JOIN "), WAIT);
      await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(ghost("alice"))));

      String dm = bob.createRoom(RoomSpec.privateRoom().invite(ghost("alice")).direct());
      await().atMost(WAIT).until(() -> "join".equals(hs.get().members(dm).get(ghost("alice"))));
      bob.send(dm, "hello alice, privately");
      alice.awaitMessage("bob", "alice", "hello alice, privately", WAIT);
      IrcConnection puppet = bridge.get().puppetOf("test", UserId.of(bob.userId())).orElseThrow();
      await().atMost(WAIT).until(() -> puppet.confirmedLines() >= 1);

      alice.say("bob", "hello bob");
      hs.get().awaitEvent(dm, ghost("alice"), e -> e.path("content").path("body").asText().equals("hello bob"), WAIT);
      assertThat(hs.get().roomsOf(bob.userId(), "invite")).isEmpty();
      assertThat(hs.get().userExists(ghost("bob"))).isFalse();
    }
  }

  @Test
  void theSendersServicesAccountTravelsWithTheirMessages() throws Exception {
    ircd.get().register("alice", "alice-pass-1");
    try (IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice");
        IrcTestUser carol = IrcTestUser.connect(ircd.get(), "carol")) {
      alice.join("#room");
      carol.join("#room");
      TestUser bob = hs.get().user("bob");
      String room = bob.join(ALIAS);
      alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":bob!") && l.contains(" JOIN "), WAIT);

      alice.say("#room", "before identifying");
      JsonNode before = hs.get().awaitEvent(room, ghost("alice"),
          e -> e.path("content").path("body").asText().equals("before identifying"), WAIT);
      assertThat(before.path("content").has(GhostRelay.ACCOUNT_KEY)).isFalse();

      alice.send("PRIVMSG NickServ :IDENTIFY alice-pass-1");
      alice.awaitLine(l -> IrcTestUser.command(l).equals("900"), WAIT);
      alice.say("#room", "now identified");
      JsonNode after = hs.get().awaitEvent(room, ghost("alice"),
          e -> e.path("content").path("body").asText().equals("now identified"), WAIT);
      assertThat(after.path("content").path(GhostRelay.ACCOUNT_KEY).asText()).isEqualTo("alice");

      carol.say("#room", "no account here");
      JsonNode carols = hs.get().awaitEvent(room, ghost("carol"),
          e -> e.path("content").path("body").asText().equals("no account here"), WAIT);
      assertThat(carols.path("content").has(GhostRelay.ACCOUNT_KEY)).isFalse();
      hs.get().assertNoSchemaViolations();
    }
  }
}
