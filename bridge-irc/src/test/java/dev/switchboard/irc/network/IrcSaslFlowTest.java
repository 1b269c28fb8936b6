package dev.switchboard.irc.network;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.LogCapture;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.AnopeServices;
import dev.switchboard.testkit.irc.IrcTestUser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL against a real server: InspIRCd 3 with {@code m_sasl} and Anope services ({@link AnopeServices}), accounts
 * registered through NickServ. The bot logs in with {@code sasl: {mechanism: plain}}, a puppet with the password its
 * user stored ({@code !irc storepass}); a wrong password leaves the connection up without a login, says so once in
 * the log, and does not reconnect.
 */
class IrcSaslFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String BOT = "@switchboard:test.local";

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<AnopeServices> ircd = Fixture.of(AnopeServices::start);
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  /** The {@code test} network's settings, chosen by each test before it starts the bridge. */
  private Consumer<ObjectNode> network = n -> { };
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port(), n -> network.accept(n))).onFirstUse();

  private void startBridgeWithSasl(String password) {
    network = n -> n.putObject("sasl").put("mechanism", "plain").put("account", "switchboard")
        .put("password", password);
    bridge.get();
  }

  /** WHOIS {@code nick} from {@code asker}; returns the 330 ("is logged in as") account, or "" when there is none. */
  private static String accountOf(IrcTestUser asker, String nick) throws Exception {
    int before = asker.lines().size();
    asker.send("WHOIS " + nick);
    asker.awaitLine(l -> IrcTestUser.command(l).equals("318") && l.contains(" " + nick + " "), WAIT);
    List<String> lines = asker.lines();
    return lines.subList(before, lines.size()).stream()
        .filter(l -> IrcTestUser.command(l).equals("330") && l.contains(" " + nick + " "))
        .map(l -> IrcTestUser.untagged(l).split(" ")[4]).findFirst().orElse("");
  }

  @Test
  void theBotLogsInWithSaslPlainAndThePortalWorks() throws Exception {
    ircd.get().register("switchboard", "bot-secret-1");
    try (LogCapture saslLog = new LogCapture(SaslLogin.class);
        IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice")) {
      alice.join("#room");
      startBridgeWithSasl("bot-secret-1");
      TestUser bob = hs.get().user("bob");
      String room = bob.join("#_irc_test_#room:test.local");
      alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);

      assertThat(accountOf(alice, "switchboard")).isEqualTo("switchboard");
      assertThat(saslLog.lines(Level.INFO)).anyMatch(l -> l.contains("SASL PLAIN login succeeded")
          && l.contains("logged in as switchboard"));
      assertThat(saslLog.lines(Level.WARN)).isEmpty();

      alice.say("#room", "hello after sasl");
      hs.get().awaitEvent(room, "@_irc_test_alice:test.local",
          e -> e.path("content").path("body").asText().equals("hello after sasl"), WAIT);
      String all = String.join("\n", saslLog.lines(Level.INFO)) + String.join("\n", saslLog.lines(Level.DEBUG));
      assertThat(all).doesNotContain("bot-secret-1");
    }
  }

  @Test
  void aWrongPasswordLeavesTheBotConnectedWithoutALoginLoggedOnceAndNoReconnects() throws Exception {
    ircd.get().register("switchboard", "bot-secret-1");
    try (LogCapture saslLog = new LogCapture(SaslLogin.class);
        LogCapture connectionLog = new LogCapture(IrcConnection.class);
        IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice")) {
      alice.join("#room");
      startBridgeWithSasl("not-the-password");
      TestUser bob = hs.get().user("bob");
      String room = bob.join("#_irc_test_#room:test.local");
      alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);

      await().atMost(WAIT).until(() -> !saslLog.lines(Level.WARN).isEmpty());
      assertThat(saslLog.lines(Level.WARN)).singleElement().asString()
          .contains("SASL PLAIN login as switchboard failed: wrong account or password (904)")
          .contains("staying connected without logging in")
          .doesNotContain("not-the-password");
      assertThat(accountOf(alice, "switchboard")).isEmpty();

      // The connection works without the login, and it was never dropped and retried.
      alice.say("#room", "still bridged");
      hs.get().awaitEvent(room, "@_irc_test_alice:test.local",
          e -> e.path("content").path("body").asText().equals("still bridged"), WAIT);
      assertThat(connectionLog.lines(Level.INFO)).noneMatch(l -> l.contains("reconnecting in"));
      assertThat(alice.lines().stream().filter(l -> IrcTestUser.untagged(l).startsWith(":switchboard!")
          && IrcTestUser.command(l).equals("JOIN"))).hasSize(1);
    }
  }

  @Test
  void aPuppetLogsInWithItsStoredPasswordAndAWrongOneIsShownToItsUser() throws Exception {
    ircd.get().register("bobby", "puppet-secret-1");
    try (IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice")) {
      alice.join("#room");
      bridge.get();
      TestUser bob = hs.get().user("bob");
      String admin = bob.createRoom(RoomSpec.privateRoom().invite(BOT).direct());
      hs.get().awaitEvent(admin, BOT, e -> e.path("content").path("body").asText().startsWith("Hello!"), WAIT);
      command(bob, admin, "!irc nick bobby");
      assertThat(command(bob, admin, "!irc storepass puppet-secret-1")).startsWith("Stored your password");
      bob.join("#_irc_test_#room:test.local");
      alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":bobby!") && l.contains(" JOIN "), WAIT);
      assertThat(accountOf(alice, "bobby")).isEqualTo("bobby");
      assertThat(command(bob, admin, "!irc listrooms")).isEqualTo("test: bobby, in #room, logged in as bobby");

      assertThat(command(bob, admin, "!irc storepass wrong-one")).startsWith("Stored your password");
      command(bob, admin, "!irc reconnect");
      await().atMost(WAIT).pollInterval(Duration.ofSeconds(1))
          .until(() -> command(bob, admin, "!irc listrooms").contains("not logged in"));
      assertThat(command(bob, admin, "!irc listrooms"))
          .isEqualTo("test: bobby, in #room, not logged in: wrong account or password (904)");
      assertThat(accountOf(alice, "bobby")).isEmpty();
    }
  }

  /** Sends a command in the admin room and returns the bot's reply to it. */
  private String command(TestUser user, String admin, String text) {
    String id = user.send(admin, text);
    return hs.get().awaitEvent(admin, BOT, e -> e.path("content").path("msgtype").asText().equals("m.notice")
        && index(admin, e.path("event_id").asText()) > index(admin, id), WAIT).path("content").path("body").asText();
  }

  private int index(String room, String eventId) {
    var timeline = hs.get().timeline(room);
    for (int i = 0; i < timeline.size(); i++) {
      if (timeline.get(i).path("event_id").asText().equals(eventId)) {
        return i;
      }
    }
    return -1;
  }
}
