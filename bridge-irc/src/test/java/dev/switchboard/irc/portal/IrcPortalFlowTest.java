package dev.switchboard.irc.portal;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.net.PausableProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The portal flow end to end: testkit homeserver, core, the IRC connector and a real ngircd. */
class IrcPortalFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ALIAS = "#_irc_test_#room:test.local";
  private static final String ALICE_GHOST = "@_irc_test_alice:test.local";

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();

  private static TestHomeserver homeserver(boolean legacy) {
    return TestHomeserver.start(IrcBridgeHarness.homeserverOptions().legacy(legacy));
  }

  private static boolean textIs(JsonNode event, String body) {
    return event.path("type").asText().equals("m.room.message") && event.path("content").path("body").asText()
        .equals(body);
  }

  @ParameterizedTest(name = "legacy homeserver: {0}")
  @ValueSource(booleans = {false, true})
  void aMatrixUserAndAnIrcUserTalkThroughThePortal(boolean legacy) throws Exception {
    try (TestHomeserver hs = homeserver(legacy);
        IrcBridgeHarness bridge = new IrcBridgeHarness(hs, dir, ircd.get().host(), ircd.get().port());
        IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice")) {
      alice.join("#room");
      TestUser bob = hs.user("bob");

      String room = bob.join(ALIAS);

      assertThat(hs.aliasTarget(ALIAS)).isEqualTo(room);
      assertThat(hs.roomStateEvent(room, "m.bridge", "dev.switchboard.irc://test/#room").path("content").path("channel")
          .path("id").asText()).isEqualTo("#room");
      alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
      alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);

      alice.say("#room", "hi from irc");
      hs.awaitEvent(room, ALICE_GHOST, e -> textIs(e, "hi from irc"), WAIT);
      assertThat(hs.displayName(ALICE_GHOST)).isEqualTo("alice");

      bob.send(room, "hi from matrix");
      alice.awaitMessage("bob", "#room", "hi from matrix", WAIT);

      Thread.sleep(1_000); // an echo of bob's line would have come back as a ghost message by now
      assertThat(hs.timeline(room)).filteredOn(e -> textIs(e, "hi from matrix")).hasSize(1);
      assertThat(hs.timeline(room)).filteredOn(e -> textIs(e, "hi from irc")).hasSize(1);
      hs.assertNoSchemaViolations();
    }
  }

  @Test
  void withASilentIrcServerTheJoinIsAnsweredInUnderASecondAndThePortalWorksOnceItAnswers() throws Exception {
    try (PausableProxy proxy = PausableProxy.pausedInFrontOf(ircd.get().host(), ircd.get().port());
        TestHomeserver hs = homeserver(false);
        IrcBridgeHarness bridge = new IrcBridgeHarness(hs, dir, proxy.host(), proxy.port());
        IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice")) {
      alice.join("#room");
      TestUser bob = hs.user("bob");

      long started = System.nanoTime();
      String room = bob.join(ALIAS);
      long joinMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      bob.send(room, "said while IRC is silent");

      assertThat(joinMs).isLessThan(1_000);
      Thread.sleep(10_000);
      assertThat(alice.messagesTo("#room")).isEmpty();

      proxy.resume();

      alice.awaitMessage("bob", "#room", "said while IRC is silent", WAIT);
      alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
      alice.say("#room", "hi late");
      hs.awaitEvent(room, ALICE_GHOST, e -> textIs(e, "hi late"), WAIT);
    }
  }
}
