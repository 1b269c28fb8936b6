package dev.switchboard.irc.puppet;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Idle puppets disconnect and come back when their user speaks, with nothing lost in between. */
class IrcIdlePuppetFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port(),
        network -> network.put("idle_timeout_seconds", 2)));
  private IrcTestUser alice;
  private TestUser bob;

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice");
    alice.join("#room");
    alice.join("#other");
    bob = hs.get().user("bob");
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  private static boolean isQuitOf(String line, String nick) {
    return line.startsWith(":" + nick + "!") && IrcTestUser.command(line).equals("QUIT");
  }

  @Test
  void anIdlePuppetDisconnectsAndComesBackInItsChannelsWhenItsUserSpeaks() throws Exception {
    String room = bob.join("#_irc_test_#room:test.local");
    String other = bob.join("#_irc_test_#other:test.local");
    bob.send(room, "before");
    alice.awaitMessage("bob", "#room", "before", WAIT);

    alice.awaitLine(l -> isQuitOf(l, "bob"), WAIT);
    int joinsBefore = (int) alice.lines().stream().filter(l -> l.startsWith(":bob!") && l.contains(" JOIN ")).count();

    // Sent while the puppet is gone: it reconnects, and the messages arrive, in order, exactly once.
    bob.send(room, "after one");
    bob.send(room, "after two");
    bob.send(room, "after three");

    alice.awaitMessage("bob", "#room", "after three", WAIT);
    assertThat(alice.messagesTo("#room")).containsExactly("bob: before", "bob: after one", "bob: after two",
        "bob: after three");
    // Back in both channels it was in, not only the one it spoke in.
    alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN :#other"), WAIT);
    assertThat(alice.lines().stream().filter(l -> l.startsWith(":bob!") && l.contains(" JOIN ")).count())
        .isEqualTo(joinsBefore + 2);
    bob.send(other, "in other");
    alice.awaitMessage("bob", "#other", "in other", WAIT);
  }
}
