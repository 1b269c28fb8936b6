package dev.switchboard.app;

import static dev.switchboard.app.HubFixture.CHANNEL;
import static dev.switchboard.app.HubFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One link's server down (issue 9, "Must show"): with ngircd stopped, the hub room's XMPP link keeps working as if
 * nothing happened, and what was said meanwhile for IRC is held, not dropped, and reaches the channel in order once
 * the server is back.
 */
class HubRoomOutageTest {
  @TempDir
  Path dir;
  private HubFixture f;

  @BeforeEach
  void start() throws Exception {
    f = HubFixture.start(dir);
  }

  @AfterEach
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  private static List<String> numbered(String prefix, int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> prefix + "-" + i).toList();
  }

  @Test
  void withNgircdStoppedXmppIsNotHeldUpAndIrcGetsEverythingInOrderWhenItReturns() throws Exception {
    // Both links carry traffic first, so alice and carol have IRC connections to lose.
    f.alice.send(f.room, "before the outage");
    f.carolSays("xmpp before the outage");
    f.dave.awaitMessage("alice", CHANNEL, "before the outage", WAIT);
    f.dave.awaitMessage("carol[xmpp]", CHANNEL, "xmpp before the outage", WAIT);
    f.carolAwaits("alice", "before the outage");

    f.ngircd.stop();
    List<String> fromMatrix = numbered("matrix-during", 5);
    List<String> fromXmpp = numbered("xmpp-during", 5);
    for (int i = 0; i < 5; i++) {
      f.alice.send(f.room, fromMatrix.get(i));
      f.carolSays(fromXmpp.get(i));
    }

    // The XMPP link is not held up by the dead one: alice's lines reach the MUC while ngircd is still down, and
    // carol's reach Matrix.
    for (String line : fromMatrix) {
      f.carolAwaits("alice", line);
    }
    await().atMost(WAIT).until(() -> fromXmpp.stream().allMatch(l -> !f.roomMessages(l).isEmpty()));

    // ngircd comes back; the proxy holds the bridge until dave is in the channel again to watch.
    f.ircLink.pause();
    f.ngircd.startAgain();
    f.reconnectDave();
    f.ircLink.resume();

    f.dave.awaitMessage("alice", CHANNEL, fromMatrix.get(4), WAIT);
    f.dave.awaitMessage("carol[xmpp]", CHANNEL, fromXmpp.get(4), WAIT);
    f.alice.send(f.room, "after the outage");
    f.dave.awaitMessage("alice", CHANNEL, "after the outage", WAIT);
    assertThat(f.dave.messagesTo(CHANNEL).stream().filter(l -> l.startsWith("alice: matrix-during-"))
        .map(l -> l.substring("alice: ".length()))).containsExactlyElementsOf(fromMatrix);
    assertThat(f.dave.messagesTo(CHANNEL).stream().filter(l -> l.startsWith("carol[xmpp]: xmpp-during-"))
        .map(l -> l.substring("carol[xmpp]: ".length()))).containsExactlyElementsOf(fromXmpp);
    assertThat(fromMatrix).allSatisfy(l -> assertThat(f.carolGotFrom("alice", l)).hasSize(1));
  }
}
