package dev.switchboard.irc.network;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.InspircdServer;
import dev.switchboard.testkit.irc.IrcTestUser;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The portal flow against InspIRCd, the second IRC implementation, with IRCv3 message tags: the server's msgid
 * keys the message map, so an IRC client's reply ({@code +draft/reply}) becomes a Matrix reply, and {@code time}
 * becomes the event's timestamp.
 */
class IrcInspircdFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ALIAS = "#_irc_test_#room:test.local";
  private static final String ALICE_GHOST = "@_irc_test_alice:test.local";
  private static final String CAROL_GHOST = "@_irc_test_carol:test.local";

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<InspircdServer> ircd = IrcServerFixture.inspircd();
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port()));



  @Test
  void messagesCrossBothWaysAndAnIrcReplyToAMsgidBecomesAMatrixReply() throws Exception {
    try (IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice", "message-tags", "server-time");
        IrcTestUser carol = IrcTestUser.connect(ircd.get(), "carol", "message-tags")) {
      alice.join("#room");
      carol.join("#room");
      TestUser bob = hs.get().user("bob");
      String room = bob.join(ALIAS);
      alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":bob!") && l.contains(" JOIN "), WAIT);

      bob.send(room, "hi from matrix");
      alice.awaitMessage("bob", "#room", "hi from matrix", WAIT);

      alice.say("#room", "question from irc");
      String seenByCarol = carol.awaitMessage("alice", "#room", "question from irc", WAIT);
      String msgid = IrcTestUser.tag(seenByCarol, "msgid");
      JsonNode question = hs.get().awaitEvent(room, ALICE_GHOST,
          e -> e.path("content").path("body").asText().equals("question from irc"), WAIT);

      carol.send("@+draft/reply=" + msgid + " PRIVMSG #room :answer from irc");

      JsonNode answer = hs.get().awaitEvent(room, CAROL_GHOST,
          e -> e.path("content").path("body").asText().equals("answer from irc"), WAIT);
      assertThat(answer.path("content").path("m.relates_to").path("m.in_reply_to").path("event_id").asText())
          .isEqualTo(question.path("event_id").asText());

      // The Matrix side of the same thread: a reply to the ghost's message names alice on IRC.
      com.fasterxml.jackson.databind.node.ObjectNode reply = new com.fasterxml.jackson.databind.ObjectMapper()
          .createObjectNode().put("msgtype", "m.text").put("body", "yes");
      reply.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", question.path("event_id").asText());
      bob.sendEvent(room, "m.room.message", reply);
      alice.awaitMessage("bob", "#room", "alice: yes", WAIT);
      hs.get().assertNoSchemaViolations();
    }
  }
}
