package dev.switchboard.xmpp.muc;

import static dev.switchboard.xmpp.MucFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import java.nio.file.Path;
import java.time.Duration;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.parts.Resourcepart;

/** Portals when the XMPP server is slow or restarts. */
class MucPortalLifecycleTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));

  @Test
  void theAliasIsAnsweredWellUnderASecondWhenTheMucsDiscoInfoStalls() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    f.get().componentLink.pause();

    long started = System.nanoTime();
    String room = alice.join(f.get().alias());
    long tookMs = (System.nanoTime() - started) / 1_000_000;

    assertThat(tookMs).isLessThan(900);
    assertThat(f.get().hs.aliasTarget(f.get().alias())).isEqualTo(room);
    // Once the server answers again, the portal fills in.
    f.get().componentLink.resume();
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
  }

  @Test
  void theListenerRejoinsAfterProsodyRestartsAndMessagesFlowBothWays() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
    alice.send(room, "before");
    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> "before".equals(m.getBody())));

    f.get().bob.close();
    f.get().bob = null;
    f.get().prosody.restart();
    XmppClient bob = XmppClient.login(f.get().prosody, "bob");
    f.get().bob = bob;
    MultiUserChat bobInDev = f.get().mucOf(bob);
    bobInDev.join(Resourcepart.from("bob"));
    // The bridge's listener is back in the MUC. Its reconnect backs off (1 s doubling, jittered) while Prosody is
    // down, so on a slow machine this can take several attempts.
    await().atMost(Duration.ofSeconds(60)).until(() -> bobInDev.getOccupants().stream()
        .anyMatch(o -> o.getResourceOrEmpty().toString().equals("Matrix")));

    bobInDev.sendMessage("after restart");
    alice.send(room, "after too");

    JsonNode after = f.get().hs.awaitEvent(room, f.get().ghostOf("bob"),
        e -> "after restart".equals(e.path("content").path("body").asText()), WAIT);
    assertThat(after).isNotNull();
    await().atMost(WAIT).until(() -> bob.messages.stream().anyMatch(m -> m.getType() == Message.Type.groupchat
        && "after too".equals(m.getBody()) && m.getFrom().toString().equals(f.get().muc() + "/alice")));
    Thread.sleep(500);
    assertThat(f.get().hs.timeline(room).stream()
        .filter(e -> "after restart".equals(e.path("content").path("body").asText()))).hasSize(1);
  }
}
