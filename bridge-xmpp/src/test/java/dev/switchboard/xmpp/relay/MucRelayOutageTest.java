package dev.switchboard.xmpp.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.connector.ConnectorState;
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

/** Relay lines, like puppets' messages, wait out an XMPP server outage: the listener must be back in the MUC. */
class MucRelayOutageTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.startWithPermissions(dir, "{\"iq_timeout_ms\": 2000}",
      "{\"@rita:%s\": \"relay\"}"));

  @Test
  void aRelayUsersMessagesSentWhileProsodyIsDownArriveOnceFromTheBridgeOccupantAfterItRestarts() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    TestUser rita = f.get().hs.user("rita");
    rita.setDisplayName("Rita");
    String room = alice.join(f.get().alias());
    rita.join(room);
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
    rita.send(room, "before");
    await().atMost(MucFixture.WAIT).until(() -> bodies(f.get().bob).contains("<Rita> before"));
    f.get().bob.close();
    f.get().bob = null;

    f.get().prosody.stop();
    // Sent once the bridge knows the stream is gone: a stanza written into the dying socket before that is the
    // component writer's concern, not relay mode's.
    await().atMost(MucFixture.WAIT).until(() -> f.get().connector.state() != ConnectorState.RUNNING);
    List<String> sent = List.of("down 1", "down 2", "down 3");
    for (String text : sent) {
      rita.send(room, text);
    }
    Thread.sleep(4000); // longer than the IQ timeout, while the bridge retries its connection
    f.get().prosody.startAgain();

    XmppClient bob = XmppClient.login(f.get().prosody, "bob");
    f.get().bob = bob;
    MultiUserChat dev = f.get().mucOf(bob);
    dev.join(dev.getEnterConfigurationBuilder(Resourcepart.from("bob")).requestMaxStanzasHistory(50)
        .timeoutAfter(MucFixture.WAIT.toMillis()).build());
    List<String> relayed = sent.stream().map(t -> "<Rita> " + t).toList();
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(bodies(bob)).containsAll(relayed));
    Thread.sleep(1000);
    assertThat(bodies(bob)).containsSubsequence(relayed).filteredOn(relayed::contains).hasSize(3);
  }

  private static List<String> bodies(XmppClient client) {
    return client.messages.stream().filter(m -> m.getType() == Message.Type.groupchat && m.getBody() != null)
        .map(Message::getBody).toList();
  }
}
