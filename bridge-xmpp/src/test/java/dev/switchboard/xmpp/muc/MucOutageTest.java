package dev.switchboard.xmpp.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.parts.Resourcepart;

/** Nothing is lost or doubled when Prosody is down for longer than an IQ timeout and comes back. */
class MucOutageTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir, "{\"iq_timeout_ms\": 2000}"));

  @Test
  void matrixMessagesSentWhileProsodyIsDownArriveOnceAfterItRestarts() throws Exception {
    // A short IQ timeout: the outage below lasts longer than it, which used to make the occupant's join fail.
    TestUser alice = f.get().hs.user("alice");
    String room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
    alice.send(room, "before");
    await().atMost(MucFixture.WAIT)
        .until(() -> f.get().bob.messages.stream().anyMatch(m -> "before".equals(m.getBody())));
    f.get().bob.close();
    f.get().bob = null;

    f.get().prosody.stop();
    List<String> sent = List.of("down 1", "down 2", "down 3");
    for (String text : sent) {
      alice.send(room, text);
    }
    Thread.sleep(4000); // longer than the IQ timeout, while the bridge retries its connection
    f.get().prosody.startAgain();

    // bob comes back and reads the room's history (the MUC is persistent, with MAM).
    XmppClient bob = XmppClient.login(f.get().prosody, "bob");
    f.get().bob = bob;
    MultiUserChat dev = f.get().mucOf(bob);
    dev.join(dev.getEnterConfigurationBuilder(Resourcepart.from("bob")).requestMaxStanzasHistory(50)
        .timeoutAfter(MucFixture.WAIT.toMillis()).build());
    // Whether they were sent before bob rejoined (history) or after (live), each arrives once and in order. The
    // bridge's reconnect backs off while Prosody is down, so on a slow machine this can take several attempts.
    await().atMost(Duration.ofSeconds(90)).until(() -> bodies(bob).containsAll(sent));
    Thread.sleep(1000);
    assertThat(bodies(bob)).containsSubsequence(sent).filteredOn(sent::contains).hasSize(3);
  }

  private static List<String> bodies(XmppClient client) {
    return client.messages.stream().filter(m -> m.getType() == Message.Type.groupchat && m.getBody() != null)
        .map(Message::getBody).toList();
  }
}
