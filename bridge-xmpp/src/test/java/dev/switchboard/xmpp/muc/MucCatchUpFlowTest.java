package dev.switchboard.xmpp.muc;

import static dev.switchboard.xmpp.MucFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What XMPP users say while the bridge is down reaches Matrix after it starts again, even beyond the MUC's history
 * length (20 messages in Prosody): the listener catches up from the MUC's archive (XEP-0313), each message once.
 */
class MucCatchUpFlowTest {
  private static final int GAP = 45;

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));

  private List<String> bodiesFromBob(String room) {
    return f.get().hs.timeline(room).stream().filter(e -> "m.room.message".equals(e.path("type").asText()))
        .filter(e -> f.get().ghostOf("bob").equals(e.path("sender").asText()))
        .map(e -> e.path("content").path("body").asText()).toList();
  }

  @Test
  void messagesSentWhileTheBridgeIsDownArriveOnceAfterItStarts() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
    f.get().bobInDev.sendMessage("before");
    await().atMost(WAIT).until(() -> bodiesFromBob(room).contains("before"));

    f.get().stopBridge();
    for (int i = 1; i <= GAP; i++) {
      f.get().bobInDev.sendMessage("gap " + i);
    }
    f.get().startBridgeAgain();
    f.get().bobInDev.sendMessage("after");

    List<String> expected = IntStream.rangeClosed(1, GAP).mapToObj(i -> "gap " + i).toList();
    await().atMost(WAIT).untilAsserted(() -> assertThat(bodiesFromBob(room)).containsAll(expected)
        .contains("after"));
    await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> bodiesFromBob(room).size() == GAP + 2);
    // In order: the archive's older part of the gap before the join's history (its newest 20) and what came live.
    List<String> all = new java.util.ArrayList<>(List.of("before"));
    all.addAll(expected);
    all.add("after");
    assertThat(bodiesFromBob(room)).containsExactlyElementsOf(all);
    assertThat(bodiesFromBob(room).stream().filter("before"::equals)).hasSize(1);
  }
}
