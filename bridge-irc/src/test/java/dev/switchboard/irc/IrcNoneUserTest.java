package dev.switchboard.irc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Belt and braces: core keeps a level-none user's events from connectors, but one that reaches the IRC connector
 * anyway (a replay, a future path) still gets them no connection and puts nothing on IRC.
 */
class IrcNoneUserTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final UserId MALLORY = UserId.of("@mallory:evil.org");

  @TempDir
  Path dir;

  private static MatrixEvent event(String id, RoomId room, String type, Optional<String> stateKey, ObjectNode c) {
    return new MatrixEvent(EventId.of(id), room, MALLORY, type, stateKey, 0, c, null);
  }

  @Test
  void aNoneUsersEventsThatReachTheConnectorGetNoPuppetAndNothingOnIrc() throws Exception {
    try (NgircdServer ircd = NgircdServer.start();
        IrcConnectorFixture f = IrcConnectorFixture.start(IrcConnectorFixture.config(ircd.host(), ircd.port()), dir);
        IrcTestUser alice = IrcTestUser.connect(ircd, "alice")) {
      alice.join("#room");
      RoomId room = f.openPortal("#_irc_test_#room:test.local");
      alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
      var json = IrcConnectorFixture.json();

      f.send(event("$j", room, "m.room.member", Optional.of(MALLORY.value()),
          json.createObjectNode().put("membership", "join").put("displayname", "mallory"))).get(5, TimeUnit.SECONDS);
      f.send(event("$m", room, "m.room.message", Optional.empty(),
          json.createObjectNode().put("msgtype", "m.text").put("body", "spam"))).get(5, TimeUnit.SECONDS);
      f.send(event("$t", room, "m.room.topic", Optional.of(""),
          json.createObjectNode().put("topic", "pwned"))).get(5, TimeUnit.SECONDS);
      ObjectNode invite = json.createObjectNode().put("membership", "invite").put("is_direct", true);
      RoomId dm = RoomId.of("!dm:evil.org");
      SortedEvents.deliver(f.connector(), new MatrixEvent(EventId.of("$i"), dm, MALLORY, "m.room.member",
          Optional.of("@_irc_test_alice:test.local"), 0, invite, null), Optional.empty()).get(5, TimeUnit.SECONDS);
      f.text(room, "bob", "after her");

      alice.awaitMessage("bob", "#room", "after her", WAIT);
      assertThat(f.connector().puppetOf("test", MALLORY)).isEmpty();
      assertThat(alice.lines()).noneMatch(l -> l.contains("mallory") || l.contains("spam") || l.contains("pwned"));
      // The invited ghost declines; no direct chat is linked.
      await().atMost(WAIT).until(() -> f.intents().calls().stream().anyMatch(c -> c.method().equals("leave")
          && c.room().equals(Optional.of(dm)) && c.user().value().equals("@_irc_test_alice:test.local")));
      assertThat(f.intents().calls()).noneMatch(c -> c.method().equals("ensureJoined") && c.room().equals(
          Optional.of(dm)));
    }
  }
}
