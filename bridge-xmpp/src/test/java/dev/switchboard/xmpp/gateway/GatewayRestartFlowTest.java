package dev.switchboard.xmpp.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import dev.switchboard.xmpp.address.GatewayJids;
import java.nio.file.Path;
import java.time.Duration;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.ping.packet.Ping;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * Issue 15: gateway occupants survive a bridge restart. An XMPP client does not notice the bridge went away, so it
 * goes on speaking without rejoining; the bridge must still know it.
 */
class GatewayRestartFlowTest {
  private static final Duration WAIT = MucFixture.WAIT;

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));
  private XmppClient dave;
  private XmppClient erin;
  private XmppClient fred;

  @AfterEach
  void stop() {
    for (XmppClient c : new XmppClient[] {dave, erin, fred}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private String ghostOf(String user) {
    return "@_xmpp_" + user + "=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();
  }

  private static MultiUserChat join(XmppClient client, EntityBareJid room, String nick) throws Exception {
    MultiUserChat muc = MultiUserChatManager.getInstanceFor(client.connection).getMultiUserChat(room);
    muc.join(muc.getEnterConfigurationBuilder(Resourcepart.from(nick)).requestNoHistory()
        .timeoutAfter(WAIT.toMillis()).build());
    return muc;
  }

  private long eventsWithBody(String room, String sender, String body) {
    return f.get().hs.timeline(room).stream().filter(e -> sender.equals(e.path("sender").asText())
        && body.equals(e.path("content").path("body").asText())).count();
  }

  private static void selfPing(XmppClient client, EntityFullJid occupant) throws Exception {
    client.connection.createStanzaCollectorAndSend(new Ping(occupant)).nextResultOrThrow(WAIT.toMillis());
  }

  @Test
  void anOccupantKeepsTalkingAfterARestartWithoutRejoiningOneWhoLeftIsNotRestoredOneGoneOfflineLeaves() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.createRoom(RoomSpec.publicRoom().alias("lobby"));
    EntityBareJid lobby = new GatewayJids(ProsodyServer.COMPONENT)
        .jidOf(RoomAlias.of("#lobby:" + f.get().hs.serverName()));

    dave = XmppClient.login(f.get().prosody, "dave");
    erin = XmppClient.login(f.get().prosody, "erin");
    MultiUserChat daveIn = join(dave, lobby, "dave");
    MultiUserChat erinIn = join(erin, lobby, "erin");
    daveIn.sendMessage("before the restart");
    f.get().hs.awaitEvent(room, ghostOf("dave"),
        e -> "before the restart".equals(e.path("content").path("body").asText()), WAIT);
    // A nick change is stored too: after the restart dave is "david".
    // (Smack's changeNickname() misses the answer, see GatewayModeTest: the XEP-0045 § 7.6 presence goes directly.)
    dave.send(StanzaBuilder.buildPresence().to(JidCreate.entityFullFrom(lobby, Resourcepart.from("david"))).build());
    await().atMost(WAIT).until(() -> "david".equals(displayName(room, ghostOf("dave"))));
    erinIn.leave();
    f.get().awaitMembership(room, ghostOf("erin"), "leave");

    // fred goes offline while the bridge is down: his unavailable presence never reaches it.
    fred = XmppClient.login(f.get().prosody, "fred");
    join(fred, lobby, "fred");
    f.get().awaitMembership(room, ghostOf("fred"), "join");
    f.get().stopBridge();
    fred.close();
    f.get().startBridgeAgain();
    await().atMost(WAIT).until(() -> f.get().connector.state() == ConnectorState.RUNNING);

    // dave's self-ping (XEP-0410) says he is still in; erin's says she is not.
    selfPing(dave, JidCreate.entityFullFrom(lobby, Resourcepart.from("david")));
    assertThatThrownBy(() -> selfPing(erin, JidCreate.entityFullFrom(lobby, Resourcepart.from("erin"))))
        .isInstanceOfSatisfying(XMPPException.XMPPErrorException.class, e -> assertThat(
            e.getStanzaError().getCondition()).isEqualTo(StanzaError.Condition.not_acceptable));

    // dave speaks without rejoining: the message reaches Matrix once, from his ghost, and comes back to him.
    int before = dave.messages.size();
    dave.send(StanzaBuilder.buildMessage("after-1").to(lobby).ofType(Message.Type.groupchat)
        .setBody("after the restart").build());
    f.get().hs.awaitEvent(room, ghostOf("dave"),
        e -> "after the restart".equals(e.path("content").path("body").asText()), WAIT);
    await().atMost(WAIT).until(() -> dave.messages.subList(before, dave.messages.size()).stream()
        .anyMatch(m -> "after the restart".equals(m.getBody()) && m.getType() == Message.Type.groupchat));
    assertThat(eventsWithBody(room, ghostOf("dave"), "after the restart")).isEqualTo(1);
    assertThat(dave.messages.subList(before, dave.messages.size())).noneMatch(m -> m.getType() == Message.Type.error);

    // erin left before the restart: what she sends to the room bounces as before.
    erin.send(StanzaBuilder.buildMessage("stray-1").to(lobby).ofType(Message.Type.groupchat).setBody("I left")
        .build());
    await().atMost(WAIT).until(() -> erin.messages.stream().anyMatch(m -> m.getType() == Message.Type.error
        && m.getError() != null && m.getError().getCondition() == StanzaError.Condition.not_acceptable));
    assertThat(eventsWithBody(room, ghostOf("erin"), "I left")).isZero();

    // Matrix reaches him too, without a rejoin; fred's copy bounces (he is offline), so he leaves.
    alice.send(room, "welcome back");
    await().atMost(WAIT).until(() -> dave.messages.stream().anyMatch(m -> "welcome back".equals(m.getBody())));
    f.get().awaitMembership(room, ghostOf("fred"), "leave");
  }

  private String displayName(String room, String user) {
    JsonNode member = f.get().hs.roomStateEvent(room, "m.room.member", user);
    return member == null ? null : member.path("content").path("displayname").asText(null);
  }
}
