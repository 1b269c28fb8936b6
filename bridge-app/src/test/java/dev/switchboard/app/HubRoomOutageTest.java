package dev.switchboard.app;

import static dev.switchboard.app.HubFixture.CHANNEL;
import static dev.switchboard.app.HubFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.fixture.Fixture;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One link's server down (issue 9, "Must show"): with ngircd stopped, the hub room's XMPP link keeps working as if
 * nothing happened, and what was said meanwhile for IRC is held, not dropped, and reaches the channel in order once
 * the server is back.
 */
class HubRoomOutageTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<HubFixture> f = Fixture.of(() -> HubFixture.start(dir));

  private static List<String> numbered(String prefix, int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> prefix + "-" + i).toList();
  }

  @Test
  void withNgircdStoppedXmppIsNotHeldUpAndIrcGetsEverythingInOrderWhenItReturns() throws Exception {
    // Both links carry traffic first, so alice and carol have IRC connections to lose.
    f.get().alice.send(f.get().room, "before the outage");
    f.get().carolSays("xmpp before the outage");
    f.get().dave.awaitMessage("alice", CHANNEL, "before the outage", WAIT);
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "xmpp before the outage", WAIT);
    f.get().carolAwaits("alice", "before the outage");

    f.get().ngircd.stop();
    List<String> fromMatrix = numbered("matrix-during", 5);
    List<String> fromXmpp = numbered("xmpp-during", 5);
    for (int i = 0; i < 5; i++) {
      f.get().alice.send(f.get().room, fromMatrix.get(i));
      f.get().carolSays(fromXmpp.get(i));
    }

    // The XMPP link is not held up by the dead one: alice's lines reach the MUC while ngircd is still down, and
    // carol's reach Matrix.
    for (String line : fromMatrix) {
      f.get().carolAwaits("alice", line);
    }
    await().atMost(WAIT).until(() -> fromXmpp.stream().allMatch(l -> !f.get().roomMessages(l).isEmpty()));

    // ngircd comes back; the proxy holds the bridge until dave is in the channel again to watch.
    f.get().ircLink.pause();
    f.get().ngircd.startAgain();
    f.get().reconnectDave();
    f.get().ircLink.resume();

    f.get().dave.awaitMessage("alice", CHANNEL, fromMatrix.get(4), WAIT);
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, fromXmpp.get(4), WAIT);
    f.get().alice.send(f.get().room, "after the outage");
    f.get().dave.awaitMessage("alice", CHANNEL, "after the outage", WAIT);
    assertThat(f.get().dave.messagesTo(CHANNEL).stream().filter(l -> l.startsWith("alice: matrix-during-"))
        .map(l -> l.substring("alice: ".length()))).containsExactlyElementsOf(fromMatrix);
    assertThat(f.get().dave.messagesTo(CHANNEL).stream().filter(l -> l.startsWith("carol[xmpp]: xmpp-during-"))
        .map(l -> l.substring("carol[xmpp]: ".length()))).containsExactlyElementsOf(fromXmpp);
    assertThat(fromMatrix).allSatisfy(l -> assertThat(f.get().carolGotFrom("alice", l)).hasSize(1));
  }
}
