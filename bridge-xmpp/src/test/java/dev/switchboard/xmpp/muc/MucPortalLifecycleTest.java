package dev.switchboard.xmpp.muc;

import static dev.switchboard.xmpp.MucFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import java.nio.file.Path;
import java.time.Duration;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.parts.Resourcepart;

/** Portals when the XMPP server is slow or restarts. */
class MucPortalLifecycleTest {
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
  void theAliasIsAnsweredWellUnderASecondWhenTheMucsDiscoInfoStalls() throws Exception {
    f = MucFixture.start(dir); // default disco_timeout_ms
    TestUser alice = f.hs.user("alice");
    f.componentLink.pause();

    long started = System.nanoTime();
    String room = alice.join(f.alias());
    long tookMs = (System.nanoTime() - started) / 1_000_000;

    assertThat(tookMs).isLessThan(900);
    assertThat(f.hs.aliasTarget(f.alias())).isEqualTo(room);
    // Once the server answers again, the portal fills in.
    f.componentLink.resume();
    f.awaitMembership(room, f.ghostOf("bob"), "join");
  }

  @Test
  void theListenerRejoinsAfterProsodyRestartsAndMessagesFlowBothWays() throws Exception {
    f = MucFixture.start(dir);
    TestUser alice = f.hs.user("alice");
    String room = alice.join(f.alias());
    f.awaitMembership(room, f.ghostOf("bob"), "join");
    alice.send(room, "before");
    await().atMost(WAIT).until(() -> f.bob.messages.stream().anyMatch(m -> "before".equals(m.getBody())));

    f.bob.close();
    f.bob = null;
    f.prosody.restart();
    XmppClient bob = XmppClient.login(f.prosody, "bob");
    f.bob = bob;
    MultiUserChat bobInDev = f.mucOf(bob);
    bobInDev.join(Resourcepart.from("bob"));
    // The bridge's listener is back in the MUC. Its reconnect backs off (1 s doubling, jittered) while Prosody is
    // down, so on a slow machine this can take several attempts.
    await().atMost(Duration.ofSeconds(60)).until(() -> bobInDev.getOccupants().stream()
        .anyMatch(o -> o.getResourceOrEmpty().toString().equals("Matrix")));

    bobInDev.sendMessage("after restart");
    alice.send(room, "after too");

    JsonNode after = f.hs.awaitEvent(room, f.ghostOf("bob"),
        e -> "after restart".equals(e.path("content").path("body").asText()), WAIT);
    assertThat(after).isNotNull();
    await().atMost(WAIT).until(() -> bob.messages.stream().anyMatch(m -> m.getType() == Message.Type.groupchat
        && "after too".equals(m.getBody()) && m.getFrom().toString().equals(f.muc() + "/alice")));
    Thread.sleep(500);
    assertThat(f.hs.timeline(room).stream()
        .filter(e -> "after restart".equals(e.path("content").path("body").asText()))).hasSize(1);
  }
}
