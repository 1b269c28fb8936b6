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
import java.util.List;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * One XMPP person keeps one ghost through a rename and a bridge restart (issue #16): the ghost row follows the
 * occupant through the 303, so after the restart the renamed occupant is found again, and speaks to Matrix.
 */
class MucRenameAfterRestartFlowTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));

  private List<JsonNode> bodies(String room, String body) {
    return f.get().hs.timeline(room).stream().filter(e -> "m.room.message".equals(e.path("type").asText()))
        .filter(e -> body.equals(e.path("content").path("body").asText())).toList();
  }

  @Test
  void anOccupantWhoRenamedBeforeARestartStillReachesMatrixFromTheSameGhostAndANewcomerGetsTheirOwn() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.join(f.get().alias());
    XmppClient carol = XmppClient.login(f.get().prosody, "carol");
    try {
      MultiUserChat carolInDev = f.get().mucOf(carol);
      carolInDev.join(Resourcepart.from("carol"));
      String ghost = f.get().ghostOf("carol");
      f.get().awaitMembership(room, ghost, "join");
      carolInDev.sendMessage("before the rename");
      f.get().hs.awaitEvent(room, ghost,
          e -> "before the rename".equals(e.path("content").path("body").asText()), WAIT);

      // XEP-0045 § 7.6 (Smack's changeNickname() misses Prosody's answer): carol becomes caroline, status 303.
      carol.send(StanzaBuilder.buildPresence().to(JidCreate.entityFullFrom(f.get().muc() + "/caroline")).build());
      carolInDev.sendMessage("renamed");
      f.get().hs.awaitEvent(room, ghost, e -> "renamed".equals(e.path("content").path("body").asText()), WAIT);
      await().atMost(WAIT).until(() -> "caroline".equals(f.get().hs.displayName(ghost)));

      f.get().restartBridge();
      carolInDev.sendMessage("after the restart");

      JsonNode after = f.get().hs.awaitEvent(room, ghost,
          e -> "after the restart".equals(e.path("content").path("body").asText()), WAIT);
      assertThat(after.path("sender").asText()).isEqualTo(ghost);
      // Exactly once, and the MUC history the listener gets on rejoining posts nothing twice.
      await().during(java.time.Duration.ofSeconds(2)).atMost(WAIT)
          .until(() -> bodies(room, "after the restart").size() == 1);
      assertThat(bodies(room, "before the rename")).hasSize(1);
      assertThat(bodies(room, "renamed")).hasSize(1);
      assertThat(f.get().hs.members(room)).doesNotContainKey(f.get().ghostOf("caroline"));

      // Someone else now takes the nick carol: the ghost named after it is caroline's, so they get their own.
      XmppClient dave = XmppClient.login(f.get().prosody, "dave");
      try {
        MultiUserChat daveInDev = f.get().mucOf(dave);
        daveInDev.join(Resourcepart.from("carol"));
        daveInDev.sendMessage("a new carol");
        JsonNode fromDave = f.get().hs.awaitEvent(room, null,
            e -> "a new carol".equals(e.path("content").path("body").asText()), WAIT);
        assertThat(fromDave.path("sender").asText()).isNotEqualTo(ghost).startsWith("@_xmpp_dev=40");
        carolInDev.sendMessage("still caroline");
        f.get().hs.awaitEvent(room, ghost, e -> "still caroline".equals(e.path("content").path("body").asText()), WAIT);
      } finally {
        dave.close();
      }
    } finally {
      carol.close();
    }
  }
}
