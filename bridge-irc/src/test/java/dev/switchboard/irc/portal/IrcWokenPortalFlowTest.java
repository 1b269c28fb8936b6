package dev.switchboard.irc.portal;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A portal an alias query made is dormant until a user joins its room (see ChannelPortals); waking it must put the
 * bot in the channel before that user's puppet, or what IRC says to the puppet in between reaches no one.
 */
class IrcWokenPortalFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ALIAS = "#_irc_test_#room:test.local";
  private static final String ALICE_GHOST = "@_irc_test_alice:test.local";

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  // A burst of 5, then a line every 2 s: a bot with lines waiting sends its JOIN seconds after the portal wakes,
  // later than the waking user's new puppet could join (the race a loaded machine shows now and then, made
  // certain).
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port(), n -> n.putObject("flood").put("burst", 5).put("per_second", 0.5)));
  private IrcTestUser alice;

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice");
    alice.join("#room");
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  @Test
  void theBotIsInTheChannelBeforeTheFirstPuppetSoWhatIrcSaysToItIsRelayed() throws Exception {
    // The bot's flood queue gets busy: it answers each CTCP VERSION, past its burst one line every 2 s, and its
    // JOIN waits behind them (about 10 s).
    await().atMost(WAIT).until(() -> {
      alice.send("ISON switchboard");
      return alice.awaitLineOrNull(l -> IrcTestUser.command(l).equals("303") && l.contains("switchboard"),
          Duration.ofMillis(500)) != null;
    });
    for (int i = 0; i < 10; i++) {
      alice.send("PRIVMSG switchboard :\u0001VERSION\u0001");
    }
    alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains("NOTICE alice :\u0001VERSION"), WAIT);
    TestUser bob = hs.get().user("bob");
    String room = bob.join(ALIAS);

    // Spoken the moment bob's puppet shows up in the channel.
    alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);
    alice.say("#room", "bob: welcome");

    hs.get().awaitEvent(room, ALICE_GHOST, e -> e.path("content").path("body").asText().equals("bob: welcome"), WAIT);
    List<String> joins = alice.lines().stream().filter(l -> l.contains(" JOIN ")).map(l -> l.split("!")[0])
        .filter(p -> p.equals(":switchboard") || p.equals(":bob")).toList();
    assertThat(joins).containsExactly(":switchboard", ":bob");
  }
}
