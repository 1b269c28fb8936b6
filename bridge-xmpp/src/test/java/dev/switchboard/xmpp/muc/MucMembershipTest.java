package dev.switchboard.xmpp.muc;

import static dev.switchboard.xmpp.MucFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import java.nio.file.Path;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/** Who is in the room on either side: subjects, leaves, nicks and nick changes, kicks, bans, power levels. */
class MucMembershipTest {
  @TempDir
  Path dir;
  private MucFixture f;
  private TestUser alice;
  private String room;

  @BeforeEach
  void start() throws Exception {
    f = MucFixture.start(dir);
    alice = f.hs.user("alice");
  }

  @AfterEach
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  private void joinPortal() {
    room = alice.join(f.alias());
    f.awaitMembership(room, f.ghostOf("bob"), "join");
  }

  private boolean bobSeesOccupant(String nick) {
    return f.bobInDev.getOccupants().stream().anyMatch(o -> o.getResourceOrEmpty().toString().equals(nick));
  }

  private boolean bobGot(String body, String fromNick) {
    return f.bob.messages.stream().anyMatch(m -> m.getType() == Message.Type.groupchat && body.equals(m.getBody())
        && m.getFrom().toString().equals(f.muc() + "/" + fromNick));
  }

  @Test
  void aMatrixTopicBecomesTheMucSubject() throws Exception {
    joinPortal();
    f.setPowerLevelAsBot(room, alice.userId(), 50);

    alice.sendState(room, "m.room.topic", "", JsonNodeFactory.instance.objectNode().put("topic", "from matrix"));

    await().atMost(WAIT).until(() -> "from matrix".equals(f.bobInDev.getSubject()));
  }

  @Test
  void aMatrixUserLeavingTheRoomTakesTheirOccupantOutOfTheMuc() {
    joinPortal();
    alice.send(room, "hello");
    await().atMost(WAIT).until(() -> bobSeesOccupant("alice"));

    alice.leave(room);

    await().atMost(WAIT).until(() -> !bobSeesOccupant("alice"));
  }

  @Test
  void theMatrixDisplayNameIsTheNickAndARenameChangesIt() {
    alice.setDisplayName("Alice Liddell");
    joinPortal();
    alice.send(room, "hello");
    await().atMost(WAIT).until(() -> bobGot("hello", "Alice Liddell"));

    alice.setDisplayName("Alice L");

    await().atMost(WAIT).until(() -> bobSeesOccupant("Alice L") && !bobSeesOccupant("Alice Liddell"));
    alice.send(room, "renamed");
    await().atMost(WAIT).until(() -> bobGot("renamed", "Alice L"));
    // The rename is not mistaken for an XMPP user: no ghost for the new nick.
    assertThat(f.hs.members(room)).doesNotContainKey(f.ghostOf("Alice L"));
  }

  @Test
  void anXmppNickChangeKeepsTheGhostAndRenamesIt() throws Exception {
    joinPortal();
    assertThat(f.hs.displayName(f.ghostOf("bob"))).isEqualTo("bob");

    // Smack's changeNickname() misses Prosody's answer (it does arrive); send the XEP-0045 § 7.6 presence directly.
    f.bob.send(StanzaBuilder.buildPresence().to(JidCreate.entityFullFrom(f.muc() + "/robert")).build());
    f.bobInDev.sendMessage("still me");

    f.hs.awaitEvent(room, f.ghostOf("bob"), e -> "still me".equals(e.path("content").path("body").asText()), WAIT);
    await().atMost(WAIT).until(() -> "robert".equals(f.hs.displayName(f.ghostOf("bob"))));
    assertThat(f.hs.members(room)).doesNotContainKey(f.ghostOf("robert"));
    assertThat(f.hs.members(room).get(f.ghostOf("bob"))).isEqualTo("join");
  }

  @Test
  void kicksAndBansInTheMucKickAndBanTheGhost() throws Exception {
    joinPortal();
    XmppClient carol = XmppClient.login(f.prosody, "carol");
    XmppClient dave = XmppClient.login(f.prosody, "dave");
    try {
      f.mucOf(carol).join(Resourcepart.from("carol"));
      f.mucOf(dave).join(Resourcepart.from("dave"));
      f.awaitMembership(room, f.ghostOf("carol"), "join");
      f.awaitMembership(room, f.ghostOf("dave"), "join");

      f.bobInDev.kickParticipant(Resourcepart.from("carol"), "spam");
      f.bobInDev.banUser(JidCreate.bareFrom("dave@localhost"), "more spam");

      f.awaitMembership(room, f.ghostOf("carol"), "leave");
      f.awaitMembership(room, f.ghostOf("dave"), "ban");
      assertThat(f.hs.roomStateEvent(room, "m.room.member", f.ghostOf("carol")).path("sender").asText())
          .startsWith("@switchboard:");
      assertThat(f.hs.roomStateEvent(room, "m.room.member", f.ghostOf("dave")).path("content").path("reason")
          .asText()).contains("more spam");
    } finally {
      carol.close();
      dave.close();
    }
  }

  @Test
  void affiliationsAndRolesBecomePowerLevels() throws Exception {
    joinPortal();
    XmppClient carol = XmppClient.login(f.prosody, "carol");
    try {
      MultiUserChat carolInDev = f.mucOf(carol);
      carolInDev.join(Resourcepart.from("carol"));
      f.awaitMembership(room, f.ghostOf("carol"), "join");
      // bob created the room: owner.
      await().atMost(WAIT).until(() -> f.powerLevel(room, f.ghostOf("bob")) == 100);
      assertThat(f.powerLevel(room, f.ghostOf("carol"))).isZero();

      f.bobInDev.grantModerator(Resourcepart.from("carol"));

      await().atMost(WAIT).until(() -> f.powerLevel(room, f.ghostOf("carol")) == 50);
      f.bobInDev.revokeModerator(Resourcepart.from("carol"));
      await().atMost(WAIT).until(() -> f.powerLevel(room, f.ghostOf("carol")) == 0);
    } finally {
      carol.close();
    }
  }
}
