package dev.switchboard.xmpp.muc;

import static dev.switchboard.xmpp.MucFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import java.nio.file.Path;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/** Who is in the room on either side: subjects, leaves, nicks and nick changes, kicks, bans, power levels. */
class MucMembershipTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));
  private TestUser alice;
  private String room;

  @BeforeEach
  void start() throws Exception {
    alice = f.get().hs.user("alice");
  }

  private void joinPortal() {
    room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
  }

  private boolean bobSeesOccupant(String nick) {
    return f.get().bobInDev.getOccupants().stream().anyMatch(o -> o.getResourceOrEmpty().toString().equals(nick));
  }

  private boolean bobGot(String body, String fromNick) {
    return f.get().bob.messages.stream().anyMatch(m -> m.getType() == Message.Type.groupchat && body.equals(m.getBody())
        && m.getFrom().toString().equals(f.get().muc() + "/" + fromNick));
  }

  @Test
  void aMatrixTopicBecomesTheMucSubject() throws Exception {
    joinPortal();
    f.get().setPowerLevelAsBot(room, alice.userId(), 50);

    alice.sendState(room, "m.room.topic", "", JsonNodeFactory.instance.objectNode().put("topic", "from matrix"));

    await().atMost(WAIT).until(() -> "from matrix".equals(f.get().bobInDev.getSubject()));
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
    assertThat(f.get().hs.members(room)).doesNotContainKey(f.get().ghostOf("Alice L"));
  }

  @Test
  void anXmppNickChangeKeepsTheGhostAndRenamesIt() throws Exception {
    joinPortal();
    assertThat(f.get().hs.displayName(f.get().ghostOf("bob"))).isEqualTo("bob");

    // Smack's changeNickname() misses Prosody's answer (it does arrive); send the XEP-0045 § 7.6 presence directly.
    f.get().bob.send(StanzaBuilder.buildPresence().to(JidCreate.entityFullFrom(f.get().muc() + "/robert")).build());
    f.get().bobInDev.sendMessage("still me");

    f.get().hs.awaitEvent(room, f.get().ghostOf("bob"),
        e -> "still me".equals(e.path("content").path("body").asText()), WAIT);
    await().atMost(WAIT).until(() -> "robert".equals(f.get().hs.displayName(f.get().ghostOf("bob"))));
    assertThat(f.get().hs.members(room)).doesNotContainKey(f.get().ghostOf("robert"));
    assertThat(f.get().hs.members(room).get(f.get().ghostOf("bob"))).isEqualTo("join");
  }

  @Test
  void kicksAndBansInTheMucKickAndBanTheGhost() throws Exception {
    joinPortal();
    XmppClient carol = XmppClient.login(f.get().prosody, "carol");
    XmppClient dave = XmppClient.login(f.get().prosody, "dave");
    try {
      f.get().mucOf(carol).join(Resourcepart.from("carol"));
      f.get().mucOf(dave).join(Resourcepart.from("dave"));
      f.get().awaitMembership(room, f.get().ghostOf("carol"), "join");
      f.get().awaitMembership(room, f.get().ghostOf("dave"), "join");

      f.get().bobInDev.kickParticipant(Resourcepart.from("carol"), "spam");
      f.get().bobInDev.banUser(JidCreate.bareFrom("dave@localhost"), "more spam");

      f.get().awaitMembership(room, f.get().ghostOf("carol"), "leave");
      f.get().awaitMembership(room, f.get().ghostOf("dave"), "ban");
      assertThat(f.get().hs.roomStateEvent(room, "m.room.member", f.get().ghostOf("carol")).path("sender").asText())
          .startsWith("@switchboard:");
      assertThat(f.get().hs.roomStateEvent(room, "m.room.member", f.get().ghostOf("dave")).path("content")
          .path("reason").asText()).contains("more spam");
    } finally {
      carol.close();
      dave.close();
    }
  }

  @Test
  void affiliationsAndRolesBecomePowerLevels() throws Exception {
    joinPortal();
    XmppClient carol = XmppClient.login(f.get().prosody, "carol");
    try {
      MultiUserChat carolInDev = f.get().mucOf(carol);
      carolInDev.join(Resourcepart.from("carol"));
      f.get().awaitMembership(room, f.get().ghostOf("carol"), "join");
      // bob created the room: owner.
      await().atMost(WAIT).until(() -> f.get().powerLevel(room, f.get().ghostOf("bob")) == 100);
      assertThat(f.get().powerLevel(room, f.get().ghostOf("carol"))).isZero();

      f.get().bobInDev.grantModerator(Resourcepart.from("carol"));

      await().atMost(WAIT).until(() -> f.get().powerLevel(room, f.get().ghostOf("carol")) == 50);
      f.get().bobInDev.revokeModerator(Resourcepart.from("carol"));
      await().atMost(WAIT).until(() -> f.get().powerLevel(room, f.get().ghostOf("carol")) == 0);
    } finally {
      carol.close();
    }
  }
}
