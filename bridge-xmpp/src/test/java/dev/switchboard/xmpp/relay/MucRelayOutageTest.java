package dev.switchboard.xmpp.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.parts.Resourcepart;

/** Relay lines, like puppets' messages, wait out an XMPP server outage: the listener must be back in the MUC. */
class MucRelayOutageTest {
  @TempDir
  Path dir;
  private MucFixture f;

  @AfterEach
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  @Test
  void aRelayUsersMessagesSentWhileProsodyIsDownArriveOnceFromTheBridgeOccupantAfterItRestarts() throws Exception {
    f = MucFixture.startWithPermissions(dir, "{\"iq_timeout_ms\": 2000}", "{\"@rita:%s\": \"relay\"}");
    TestUser alice = f.hs.user("alice");
    TestUser rita = f.hs.user("rita");
    rita.setDisplayName("Rita");
    String room = alice.join(f.alias());
    rita.join(room);
    f.awaitMembership(room, f.ghostOf("bob"), "join");
    rita.send(room, "before");
    await().atMost(MucFixture.WAIT).until(() -> bodies(f.bob).contains("<Rita> before"));
    f.bob.close();
    f.bob = null;

    f.prosody.stop();
    // Sent once the bridge knows the stream is gone: a stanza written into the dying socket before that is the
    // component writer's concern, not relay mode's.
    await().atMost(MucFixture.WAIT).until(() -> f.connector.state() != ConnectorState.RUNNING);
    List<String> sent = List.of("down 1", "down 2", "down 3");
    for (String text : sent) {
      rita.send(room, text);
    }
    Thread.sleep(4000); // longer than the IQ timeout, while the bridge retries its connection
    f.prosody.startAgain();

    XmppClient bob = XmppClient.login(f.prosody, "bob");
    f.bob = bob;
    MultiUserChat dev = f.mucOf(bob);
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
