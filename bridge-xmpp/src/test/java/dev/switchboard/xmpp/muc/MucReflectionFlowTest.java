package dev.switchboard.xmpp.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jivesoftware.smack.packet.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Prosody: a Matrix message is done only when the MUC reflects it to our occupant, and one the server never
 * saw (written to the socket, then the connection dropped) is sent again, arriving once (issue 15).
 */
class MucReflectionFlowTest {
  private static final String DISPATCHED = "switchboard.events.dispatched";

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));

  @Test
  void aMessageWrittenButNeverReflectedIsNotDoneAndIsSentAgain() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
    alice.send(room, "first");
    await().atMost(MucFixture.WAIT).until(() -> bodies().contains("first"));
    // Every event so far (memberships, the ghosts' own echoes) dispatched: the count stands still.
    double[] seen = {-1};
    await().atMost(MucFixture.WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> {
      double now = f.get().bridge.counter(DISPATCHED);
      boolean still = now == seen[0];
      seen[0] = now;
      return still;
    });
    double dispatched = seen[0];

    // The bridge writes the stanza to its socket, the server never sees it: not done while nothing comes back.
    f.get().componentLink.pause();
    alice.send(room, "swallowed");
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
        .until(() -> f.get().bridge.counter(DISPATCHED) == dispatched);

    // The stream drops with the held bytes: the delivery fails as unavailable and the dispatcher sends it again.
    f.get().componentLink.dropConnections();
    await().atMost(Duration.ofSeconds(45)).until(() -> bodies().contains("swallowed"));
    await().atMost(MucFixture.WAIT).until(() -> f.get().bridge.counter(DISPATCHED) > dispatched);
    alice.send(room, "after");
    await().atMost(MucFixture.WAIT).until(() -> bodies().contains("after"));
    assertThat(bodies()).containsSubsequence("first", "swallowed", "after")
        .filteredOn("swallowed"::equals).hasSize(1);
  }

  private List<String> bodies() {
    return f.get().bob.messages.stream().filter(m -> m.getType() == Message.Type.groupchat && m.getBody() != null)
        .map(Message::getBody).toList();
  }
}
