package dev.switchboard.irc.command;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The {@code !irc ...} admin-room commands, end to end through the testkit homeserver and a real ngircd. */
class IrcCommandsFlowTest {
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
  private String portal;
  private String admin;

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice");
    alice.join("#room");
    bob = hs.get().user("bob");
    portal = bob.join("#_irc_test_#room:test.local");
    alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);
    admin = bob.createRoom(RoomSpec.privateRoom().invite(BOT).direct());
    hs.get().awaitEvent(admin, BOT, e -> e.path("content").path("body").asText().startsWith("Hello!"), WAIT);
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  /** Sends a command in the admin room and returns the bot's reply to it. */
  private String command(String text) {
    String id = bob.send(admin, text);
    return hs.get().awaitEvent(admin, BOT, e -> e.path("content").path("msgtype").asText().equals("m.notice")
        && timelineIndex(e) > timelineIndex(id), WAIT).path("content").path("body").asText();
  }

  private int timelineIndex(JsonNode event) {
    return timelineIndex(event.path("event_id").asText());
  }

  private int timelineIndex(String eventId) {
    var timeline = hs.get().timeline(admin);
    for (int i = 0; i < timeline.size(); i++) {
      if (timeline.get(i).path("event_id").asText().equals(eventId)) {
        return i;
      }
    }
    return -1;
  }

  private byte[] storedSecret() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bridge.db"));
        ResultSet r = c.createStatement().executeQuery(
            "SELECT secret FROM login WHERE user_id = '@bob:test.local' AND protocol = 'irc' AND network = 'test'")) {
      return r.next() ? r.getBytes(1) : null;
    }
  }

  @Test
  void nickUserNameAndPasswordAreStoredAndUsedOnTheNextConnection() throws Exception {
    assertThat(command("!irc nick bobby")).contains("bobby");
    alice.awaitLine(l -> l.startsWith(":bob!") && IrcTestUser.command(l).equals("NICK") && l.endsWith("bobby"), WAIT);

    assertThat(command("!irc username bobu")).contains("bobu");
    assertThat(command("!irc storepass hunter2")).startsWith("Stored your password for test (encrypted)");
    byte[] sealed = storedSecret();
    assertThat(sealed).isNotNull();
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("hunter2");

    assertThat(command("!irc reconnect")).isEqualTo("Reconnecting to test as bobby.");
    // ngircd offers no SASL, so the password is not used here; the nick and user name are.
    alice.awaitLine(l -> l.startsWith(":bobby!~bobu@") && l.contains(" JOIN :#room"), WAIT);

    assertThat(command("!irc removepass")).isEqualTo("Forgot your password for test.");
    assertThat(storedSecret()).isNull();
    assertThat(command("!irc nick 9lives")).contains("not a valid IRC nick");
  }

  @Test
  void whoisListroomsJoinCmdPartAndQuit() throws Exception {
    assertThat(command("!irc whois alice")).startsWith("alice is ~alice@127.0.0.1").contains("#room");
    assertThat(command("!irc whois nobody")).isEqualTo("There is no nobody on IRC right now.");
    assertThat(command("!irc whois bob")).endsWith("(Matrix user @bob:test.local)");
    assertThat(command("!irc listrooms")).isEqualTo("test: bob, in #room");

    assertThat(command("!irc join #other")).isEqualTo("Invited you to #_irc_test_#other:test.local");
    String other = hs.get().aliasTarget("#_irc_test_#other:test.local");
    assertThat(hs.get().members(other)).containsEntry(bob.userId(), "invite");

    assertThat(command("!irc cmd PRIVMSG alice :raw hello")).isEqualTo("Sent PRIVMSG to test.");
    alice.awaitMessage("bob", "alice", "raw hello", WAIT);
    assertThat(command("!irc cmd QUIT :bye")).contains("QUIT cannot be sent through the bridge.");
    assertThat(command("!irc cmd JOIN #secret")).contains("JOIN cannot be sent through the bridge.");

    assertThat(command("!irc part #room")).isEqualTo("Left #room on test.");
    alice.awaitLine(l -> l.startsWith(":bob!") && IrcTestUser.command(l).equals("PART"), WAIT);
    await().atMost(WAIT).until(() -> "leave".equals(hs.get().members(portal).get(bob.userId())));

    assertThat(command("!irc quit")).startsWith("Disconnected from test.");
    assertThat(command("!irc listrooms")).isEqualTo("test: not connected");
  }
}
