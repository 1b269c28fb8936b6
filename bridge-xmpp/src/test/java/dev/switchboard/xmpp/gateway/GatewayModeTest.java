package dev.switchboard.xmpp.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.MamQueries;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import dev.switchboard.xmpp.address.GatewayJids;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.disco.ServiceDiscoveryManager;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.jivesoftware.smackx.muc.MucEnterConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.muc.UserStatusListener;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/** Gateway mode end to end: a real XMPP client on Prosody joins a Matrix room of the testkit homeserver as a MUC. */
class GatewayModeTest {
  private static final Duration WAIT = MucFixture.WAIT;

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));
  private XmppClient dave;

  @AfterEach
  void stop() {
    if (dave != null) {
      dave.close();
    }
  }

  private EntityBareJid gatewayJid(String aliasLocalpart) {
    return new GatewayJids(ProsodyServer.COMPONENT)
        .jidOf(RoomAlias.of("#" + aliasLocalpart + ":" + f.get().hs.serverName()));
  }

  private String daveGhost() {
    return "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();
  }

  @Test
  void anXmppUserJoinsAMatrixRoomSeesOccupantsAndHistoryChangesNickAndTalks() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    alice.setDisplayName("Alice");
    TestUser carol = f.get().hs.user("carol");
    String room = alice.createRoom(RoomSpec.publicRoom().alias("lobby").topic("welcome to the lobby"));
    carol.join(room);
    alice.send(room, "first words");
    carol.send(room, "second words");

    dave = XmppClient.login(f.get().prosody, "dave");
    MultiUserChat lobby = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(gatewayJid("lobby"));
    MucEnterConfiguration enter = lobby.getEnterConfigurationBuilder(Resourcepart.from("dave"))
        .requestMaxStanzasHistory(10).timeoutAfter(WAIT.toMillis()).build();
    lobby.join(enter);

    // The join sequence: Matrix members as occupants, history with delay stamps, the topic as subject.
    await().atMost(WAIT).until(() -> lobby.getOccupants().stream().map(o -> o.getResourceOrEmpty().toString())
        .toList().containsAll(List.of("Alice", "carol", "dave")));
    await().atMost(WAIT).until(() -> "welcome to the lobby".equals(lobby.getSubject()));
    List<Message> history = dave.messages.stream().filter(m -> m.getType() == Message.Type.groupchat
        && m.getBody() != null && DelayInformation.from(m) != null).toList();
    assertThat(history).extracting(Message::getBody).containsExactly("first words", "second words");
    assertThat(history.get(0).getFrom().getResourceOrEmpty().toString()).isEqualTo("Alice");
    f.get().awaitMembership(room, daveGhost(), "join");
    assertThat(f.get().hs.displayName(daveGhost())).isEqualTo("dave");

    // XMPP -> Matrix, through dave's ghost; the room reflects it to dave once.
    lobby.sendMessage("hello from xmpp");
    f.get().hs.awaitEvent(room, daveGhost(),
        e -> "hello from xmpp".equals(e.path("content").path("body").asText()), WAIT);
    await().atMost(WAIT).until(() -> dave.messages.stream().anyMatch(m -> "hello from xmpp".equals(m.getBody())
        && m.getFrom().getResourceOrEmpty().toString().equals("dave")));

    // Matrix -> XMPP, from the sender's nick, counted once as a message out to XMPP.
    double sentBefore = f.get().bridge.counter("switchboard.xmpp.messages", "direction", "to_remote");
    alice.send(room, "hello from matrix");
    await().atMost(WAIT).until(() -> dave.messages.stream().anyMatch(m -> "hello from matrix".equals(m.getBody())
        && m.getFrom().toString().equals(gatewayJid("lobby") + "/Alice")));
    assertThat(f.get().bridge.counter("switchboard.xmpp.messages", "direction", "to_remote")).isEqualTo(sentBefore + 1);

    // Nick change (303): the ghost's display name follows.
    // Smack's changeNickname() misses the answer (as with Prosody's MUC): send the XEP-0045 § 7.6 presence directly.
    dave.send(org.jivesoftware.smack.packet.StanzaBuilder.buildPresence()
        .to(JidCreate.entityFullFrom(gatewayJid("lobby"), Resourcepart.from("david"))).build());
    await().atMost(WAIT).until(() -> dave.stanzas.stream().anyMatch(s -> s instanceof Presence p
        && p.getType() == Presence.Type.unavailable && MUCUser.from(p) != null
        && MUCUser.from(p).getStatus().contains(MUCUser.Status.NEW_NICKNAME_303)
        && "david".equals(String.valueOf(MUCUser.from(p).getItem().getNick()))));
    await().atMost(WAIT).until(() -> dave.stanzas.stream().anyMatch(s -> s instanceof Presence p
        && p.getType() == Presence.Type.available && p.getFrom().toString().equals(gatewayJid("lobby") + "/david")
        && MUCUser.from(p).getStatus().contains(MUCUser.Status.PRESENCE_TO_SELF_110)));
    await().atMost(WAIT).until(() -> "david".equals(f.get().hs.displayName(daveGhost())));
    dave.send(org.jivesoftware.smack.packet.StanzaBuilder.buildMessage("renamed-1").to(gatewayJid("lobby"))
        .ofType(Message.Type.groupchat).setBody("renamed").build());
    f.get().hs.awaitEvent(room, daveGhost(), e -> "renamed".equals(e.path("content").path("body").asText()), WAIT);

    // A Matrix member joining later shows up as an occupant.
    TestUser erin = f.get().hs.user("erin");
    erin.join(room);
    await().atMost(WAIT).until(() -> dave.stanzas.stream().anyMatch(s -> s instanceof Presence p
        && p.getType() == Presence.Type.available && p.getFrom().toString().equals(gatewayJid("lobby") + "/erin")));

    Thread.sleep(500);
    assertThat(dave.messages.stream().filter(m -> "hello from matrix".equals(m.getBody()))).hasSize(1);
    assertThat(f.get().hs.timeline(room).stream().filter(e -> "hello from xmpp".equals(e.path("content").path("body")
        .asText()))).hasSize(1);
    f.get().hs.assertNoSchemaViolations();
  }

  @Test
  void aGatewayRoomGetsTheBridgeStateWhenAnXmppUserFirstEntersIt() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.createRoom(RoomSpec.publicRoom().alias("porch"));
    String bot = "@switchboard:" + f.get().hs.serverName();
    alice.setPowerLevel(room, bot, 50); // a room admin lets the bridge describe the room

    dave = XmppClient.login(f.get().prosody, "dave");
    MultiUserChat porch = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(gatewayJid("porch"));
    porch.join(porch.getEnterConfigurationBuilder(Resourcepart.from("dave")).timeoutAfter(WAIT.toMillis()).build());

    String key = "dev.switchboard://xmpp/" + gatewayJid("porch");
    for (String type : List.of("m.bridge", "uk.half-shot.bridge")) {
      await().atMost(WAIT).until(() -> f.get().hs.roomStateEvent(room, type, key) != null);
      JsonNode content = f.get().hs.roomStateEvent(room, type, key).path("content");
      assertThat(content.path("bridgebot").asText()).isEqualTo(bot);
      assertThat(content.path("protocol").path("id").asText()).isEqualTo("xmpp");
      assertThat(content.path("network").path("id").asText()).isEqualTo(ProsodyServer.COMPONENT);
      assertThat(content.path("channel").path("id").asText()).isEqualTo(gatewayJid("porch").toString());
      assertThat(content.path("channel").path("displayname").asText())
          .isEqualTo("#porch:" + f.get().hs.serverName());
    }

    // A room that does not let the bot set state gets none, and the bot does not join it only to be refused.
    String yard = alice.createRoom(RoomSpec.publicRoom().alias("yard"));
    MultiUserChat yardMuc = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(gatewayJid("yard"));
    yardMuc.join(yardMuc.getEnterConfigurationBuilder(Resourcepart.from("dave")).timeoutAfter(WAIT.toMillis()).build());
    f.get().awaitMembership(yard, daveGhost(), "join");
    Thread.sleep(500);
    assertThat(f.get().hs.members(yard)).doesNotContainKey(bot);
    assertThat(f.get().hs.roomStateEvent(yard, "m.bridge", "dev.switchboard://xmpp/" + gatewayJid("yard"))).isNull();

    // XEP-0184 § 5.4: no receipts in groupchat; the room's reflection of the message is its confirmation.
    var asking = org.jivesoftware.smack.packet.StanzaBuilder.buildMessage("porch-rq").to(gatewayJid("porch"))
        .ofType(Message.Type.groupchat).setBody("anyone here?");
    org.jivesoftware.smackx.receipts.DeliveryReceiptRequest.addTo(asking);
    dave.send(asking.build());
    f.get().hs.awaitEvent(room, daveGhost(), e -> "anyone here?".equals(e.path("content").path("body").asText()),
        WAIT);
    await().atMost(WAIT).until(() -> dave.messages.stream().anyMatch(m -> "anyone here?".equals(m.getBody())));
    assertThat(dave.messages).noneMatch(m -> m.hasExtension("received", "urn:xmpp:receipts"));
  }

  @Test
  void aMatrixModeratorKickingTheGhostKicksTheOccupantAndLeavingMakesTheGhostLeave() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.createRoom(RoomSpec.publicRoom().alias("mods"));
    dave = XmppClient.login(f.get().prosody, "dave");
    MultiUserChat mods = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(gatewayJid("mods"));
    List<String> kicked = new CopyOnWriteArrayList<>();
    mods.addUserStatusListener(new UserStatusListener() {
      @Override
      public void kicked(org.jxmpp.jid.Jid actor, String reason) {
        kicked.add(String.valueOf(reason));
      }
    });
    mods.join(mods.getEnterConfigurationBuilder(Resourcepart.from("dave")).timeoutAfter(WAIT.toMillis()).build());
    f.get().awaitMembership(room, daveGhost(), "join");

    alice.kick(room, daveGhost(), "spam");

    await().atMost(WAIT).until(() -> kicked.contains("spam"));
    assertThat(mods.isJoined()).isFalse();

    // Rejoin, then leave from XMPP: the ghost leaves the Matrix room.
    mods.join(mods.getEnterConfigurationBuilder(Resourcepart.from("dave")).timeoutAfter(WAIT.toMillis()).build());
    f.get().awaitMembership(room, daveGhost(), "join");
    mods.leave();
    f.get().awaitMembership(room, daveGhost(), "leave");
  }

  @Test
  void anUnknownAliasIsItemNotFoundAndTheComponentAdvertisesItselfHonestly() throws Exception {
    dave = XmppClient.login(f.get().prosody, "dave");

    MultiUserChat nowhere = MultiUserChatManager.getInstanceFor(dave.connection)
        .getMultiUserChat(gatewayJid("nowhere"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> nowhere.join(nowhere
            .getEnterConfigurationBuilder(Resourcepart.from("dave")).timeoutAfter(WAIT.toMillis()).build()))
        .hasMessageContaining("item-not-found");

    DiscoverInfo info = ServiceDiscoveryManager.getInstanceFor(dave.connection)
        .discoverInfo(JidCreate.domainBareFrom(ProsodyServer.COMPONENT));
    assertThat(info.hasIdentity("gateway", "matrix")).isTrue();
    assertThat(info.hasIdentity("conference", "text")).isTrue();
    assertThat(info.containsFeature("http://jabber.org/protocol/muc")).isTrue();
  }

  /** A MAM query (XEP-0313) as a client sends it; Smack 4.4 keeps its own in smack-experimental. */
  @Test
  void mamQueriesAreAnsweredFromTheMatrixRoomsHistoryPageByPage() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.createRoom(RoomSpec.publicRoom().alias("archive"));
    for (int i = 1; i <= 5; i++) {
      alice.send(room, "message " + i);
    }
    dave = XmppClient.login(f.get().prosody, "dave");
    MultiUserChat archive = MultiUserChatManager.getInstanceFor(dave.connection)
        .getMultiUserChat(gatewayJid("archive"));
    archive.join(archive.getEnterConfigurationBuilder(Resourcepart.from("dave")).requestNoHistory()
        .timeoutAfter(WAIT.toMillis()).build());

    org.jivesoftware.smack.packet.IQ fin = MamQueries.query(dave, gatewayJid("archive"), "q1", 2, "");
    assertThat(fin.getType()).isEqualTo(org.jivesoftware.smack.packet.IQ.Type.result);
    await().atMost(WAIT).until(() -> MamQueries.bodies(dave, "q1").size() == 2);
    assertThat(MamQueries.bodies(dave, "q1")).containsExactly("message 4", "message 5");

    MamQueries.query(dave, gatewayJid("archive"), "q2", 2, MamQueries.ids(dave, "q1").get(0));
    await().atMost(WAIT).until(() -> MamQueries.bodies(dave, "q2").size() == 2);
    assertThat(MamQueries.bodies(dave, "q2")).containsExactly("message 2", "message 3");
    assertThat(f.get().hs.timeline(room).stream().map(e -> e.path("event_id").asText()))
        .contains(MamQueries.ids(dave, "q2").get(0));
  }
}
