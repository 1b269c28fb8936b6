package dev.switchboard.irc.network;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * One user's refused JOIN concerns that user only (DESIGN.md, "Data flow and guarantees" 4; issue #15): carol's
 * puppet is in the channel and has spoken; the channel closes (+i, +l, or +b on alice); alice speaks for the first
 * time and her puppet's JOIN is refused. Her message does not reach IRC and she is told once in the room, carol's
 * next message goes through at once instead of waiting behind hers, and once the channel opens again alice's next
 * message gets through. Against real ngircd.
 */
class IrcRefusedJoinFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Within this carol's line must follow (it used to wait for the dispatcher's 2-minute timeout). */
  private static final Duration PROMPTLY = Duration.ofSeconds(5);
  private static final String ALIAS = "#_irc_test_#room:test.local";
  private static final String BOT = "@switchboard:test.local";

  @TempDir
  Path dir;
  private NgircdServer ircd;
  private TestHomeserver hs;
  private IrcBridgeHarness bridge;
  private IrcTestUser op;

  @BeforeEach
  void start() throws Exception {
    ircd = NgircdServer.start();
    hs = IrcBridgeHarness.startHomeserver();
    bridge = new IrcBridgeHarness(hs, dir, ircd.host(), ircd.port());
    op = IrcTestUser.connect(ircd, "op");
    op.join("#room"); // first in: channel operator, and our observer on IRC
  }

  @AfterEach
  void stop() {
    op.close();
    bridge.close();
    hs.close();
    ircd.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "invite-only,+i,-i,invite-only (+i)",
      "full,+l 1,-l,full (+l)",
      "banned,+b alice!*@*,-b alice!*@*,banned from the channel (+b)"})
  void aRefusedJoinTellsItsUserAndNeverHoldsTheRoom(String name, String close, String open, String why)
      throws Exception {
    TestUser carol = hs.user("carol");
    String room = carol.join(ALIAS);
    op.awaitLine(l -> l.startsWith(":carol!") && l.contains(" JOIN "), WAIT);
    carol.send(room, "carol one");
    op.awaitMessage("carol", "#room", "carol one", WAIT);

    op.send("MODE #room " + close);
    op.awaitLine(l -> IrcTestUser.command(l).equals("MODE") && l.contains(" #room " + close.substring(0, 2)), WAIT);
    TestUser alice = hs.user("alice");
    alice.join(room);
    alice.send(room, "alice one");
    alice.send(room, "alice one again");
    carol.send(room, "carol two");

    op.awaitMessage("carol", "#room", "carol two", PROMPTLY);
    JsonNode notice = hs.awaitEvent(room, BOT, e -> e.path("content").path("body").asText()
        .contains("your message was not delivered to #room"), WAIT);
    String body = notice.path("content").path("body").asText();
    assertThat(body).startsWith("@alice:test.local: ").contains("cannot join").contains(why);
    assertThat(notice.path("content").path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(notice.path("content").path("m.mentions").path("user_ids").get(0).asText())
        .isEqualTo("@alice:test.local");

    op.send("MODE #room " + open);
    op.awaitLine(l -> IrcTestUser.command(l).equals("MODE") && l.contains(" #room " + open.substring(0, 2)), WAIT);
    // The next JOIN waits out a short back-off (200 ms doubling here, from 2 s in production); a message sent in it
    // is refused at once, so keep speaking until one gets through, as a user would.
    String through = null;
    for (int i = 1; through == null && i <= 10; i++) {
      alice.send(room, "alice again " + i);
      String text = "alice again " + i;
      through = op.awaitLineOrNull(l -> l.startsWith(":alice!") && l.endsWith(" PRIVMSG #room :" + text),
          Duration.ofSeconds(2));
    }
    assertThat(through).as("alice gets through once the channel is open").isNotNull();

    List<String> onIrc = op.messagesTo("#room");
    assertThat(onIrc).startsWith("carol: carol one", "carol: carol two").doesNotHaveDuplicates()
        .noneMatch(m -> m.startsWith("alice: alice one"));
    long notices = hs.timeline(room).stream().filter(e -> BOT.equals(e.path("sender").asText()))
        .filter(e -> e.path("content").path("body").asText().contains("not delivered")).count();
    assertThat(notices).as("one notice for the refusal, not one per message").isEqualTo(1);
    hs.assertNoSchemaViolations();
  }

  @Test
  void aLineTheServerRefusesAfterItWasWrittenIsToldToItsUserOnce() throws Exception {
    TestUser carol = hs.user("carol");
    String room = carol.join(ALIAS);
    op.awaitLine(l -> l.startsWith(":carol!") && l.contains(" JOIN "), WAIT);
    op.send("MODE #room +m"); // moderated: carol's puppet has no voice
    op.awaitLine(l -> IrcTestUser.command(l).equals("MODE") && l.contains(" #room +m"), WAIT);

    carol.send(room, "muted one");
    carol.send(room, "muted two");

    JsonNode notice = hs.awaitEvent(room, BOT, e -> e.path("content").path("body").asText()
        .contains("did not reach #room"), WAIT);
    assertThat(notice.path("content").path("body").asText()).startsWith("@carol:test.local: ")
        .contains("the server refused it");
    op.send("MODE #room -m");
    op.awaitLine(l -> IrcTestUser.command(l).equals("MODE") && l.contains(" #room -m"), WAIT);
    carol.send(room, "heard");
    op.awaitMessage("carol", "#room", "heard", WAIT);
    assertThat(op.messagesTo("#room")).containsExactly("carol: heard");
    long notices = hs.timeline(room).stream().filter(e -> BOT.equals(e.path("sender").asText()))
        .filter(e -> e.path("content").path("body").asText().contains("did not reach")).count();
    assertThat(notices).as("one notice while the channel refuses carol's lines").isEqualTo(1);
  }
}
