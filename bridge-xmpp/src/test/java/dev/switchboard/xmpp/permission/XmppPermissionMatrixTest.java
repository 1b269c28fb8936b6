package dev.switchboard.xmpp.permission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.MamQueries;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.address.MatrixUserJids;
import dev.switchboard.xmpp.message.Reactions;
import dev.switchboard.xmpp.message.Replies;
import dev.switchboard.xmpp.message.Retraction;
import dev.switchboard.xmpp.muc.MucStanzas;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jivesoftware.smackx.muc.MucEnterConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * Issue 16 for XMPP, end to end against Prosody: what an XMPP user sees of Matrix users at each permission level
 * (none, relay, user, admin, and a federated user matched by no entry, so none) in a MUC portal, a direct chat and
 * a gateway room, and which rooms XMPP users may enter through the gateway.
 */
class XmppPermissionMatrixTest {
  private static final Duration WAIT = MucFixture.WAIT;
  private static final String PERMISSIONS = """
      {"@nora:%s": "none", "@rita:%s": "relay", "@adam:%s": "admin"}""";

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.startWithPermissions(dir, PERMISSIONS));
  private XmppClient dave;
  private TestUser nora;
  private TestUser rita;
  private TestUser ursula;
  private TestUser adam;
  private TestUser fred;

  @BeforeEach
  void start() throws Exception {
    nora = f.get().hs.user("nora");
    rita = f.get().hs.user("rita");
    rita.setDisplayName("Rita");
    ursula = f.get().hs.user("ursula");
    adam = f.get().hs.user("adam");
    fred = f.get().hs.remoteUser("fred", "elsewhere.test");
  }

  @AfterEach
  void stop() {
    if (dave != null) {
      dave.close();
    }
  }

  @Test
  void inAMucPortalRelayUsersSpeakThroughTheBridgeOccupantAndNoneUsersNotAtAll() throws Exception {
    String room = ursula.join(f.get().alias());
    for (TestUser u : List.of(nora, rita, adam, fred)) {
      u.join(room);
    }
    await().atMost(WAIT).until(() -> nicksIn(f.get().bobInDev).contains("Matrix")); // the bridge's own occupant

    nora.send(room, "from nora");
    fred.send(room, "from fred");
    String hi = rita.send(room, "hi");
    ursula.send(room, "from ursula");
    adam.send(room, "from adam");

    Message relayed = bobGets("<Rita> hi");
    assertThat(relayed.getFrom().getResourceOrEmpty().toString()).isEqualTo("Matrix");
    assertThat(bobGets("from ursula").getFrom().getResourceOrEmpty().toString()).isEqualTo("ursula");
    assertThat(bobGets("from adam").getFrom().getResourceOrEmpty().toString()).isEqualTo("adam");
    // Per-room order: nora's and fred's messages came first, so they would be here by now.
    assertThat(f.get().bob.messages).noneMatch(m -> m.getBody() != null
        && (m.getBody().contains("from nora") || m.getBody().contains("from fred")));
    assertThat(nicksIn(f.get().bobInDev)).containsExactlyInAnyOrder("bob", "Matrix", "ursula", "adam");
    // Core tells the none user why (once a day per room).
    await().atMost(WAIT).until(() -> f.get().hs.timeline(room).stream().anyMatch(e -> "m.notice".equals(
        e.path("content").path("msgtype").asText()) && e.path("content").path("body").asText()
        .startsWith(nora.userId() + ": your messages are not bridged")));

    // Emotes, edits and redactions of relay users: through the same occupant, naming the relayed line.
    ObjectNode emote = JsonNodeFactory.instance.objectNode().put("msgtype", "m.emote").put("body", "waves");
    rita.sendEvent(room, "m.room.message", emote);
    assertThat(bobGets("* Rita waves").getFrom().getResourceOrEmpty().toString()).isEqualTo("Matrix");
    ObjectNode edit = JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", "* hi all");
    edit.putObject("m.new_content").put("msgtype", "m.text").put("body", "hi all");
    edit.putObject("m.relates_to").put("rel_type", "m.replace").put("event_id", hi);
    rita.sendEvent(room, "m.room.message", edit);
    Message correction = bobGets("<Rita> hi all");
    assertThat(MessageCorrectExtension.from(correction).getIdInitialMessage()).isEqualTo(relayed.getStanzaId());
    String stanzaId = MucStanzas.stanzaIdBy(relayed, bareJid(f.get().muc())).orElseThrow();
    // The relayed line's stanza-id is in the message map: an XMPP reaction to it reaches Rita's event.
    f.get().bob.send(StanzaBuilder.buildMessage("react-1").to(bareJid(f.get().muc())).ofType(Message.Type.groupchat)
        .addExtension(new Reactions(stanzaId, Set.of("👍"))).build());
    await().atMost(WAIT).until(() -> f.get().hs.timeline(room).stream().anyMatch(e -> "m.reaction".equals(
        e.path("type").asText()) && hi.equals(e.path("content").path("m.relates_to").path("event_id").asText())
        && f.get().ghostOf("bob").equals(e.path("sender").asText())));
    // A relay user's reply quotes the original (naming its author by nick) and carries the XEP-0461 reference.
    f.get().bobInDev.sendMessage("anyone there?");
    Message question = bobGets("anyone there?");
    JsonNode asked = f.get().hs.awaitEvent(room, f.get().ghostOf("bob"),
        e -> "anyone there?".equals(e.path("content").path("body").asText()), WAIT);
    ObjectNode reply = JsonNodeFactory.instance.objectNode().put("msgtype", "m.text")
        .put("body", "> <" + f.get().ghostOf("bob") + "> anyone there?\n\nyes");
    reply.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", asked.path("event_id").asText());
    rita.sendEvent(room, "m.room.message", reply);
    Message answer = bobGets("> bob: anyone there?\n<Rita> yes");
    assertThat(answer.getFrom().getResourceOrEmpty().toString()).isEqualTo("Matrix");
    assertThat(Replies.of(answer).orElseThrow().id())
        .isEqualTo(MucStanzas.stanzaIdBy(question, bareJid(f.get().muc())).orElseThrow());

    rita.redact(room, hi, "oops");
    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> Retraction.targetOf(m)
        .filter(stanzaId::equals).isPresent() && "Matrix".equals(m.getFrom().getResourceOrEmpty().toString())));
    assertThat(nicksIn(f.get().bobInDev)).containsExactlyInAnyOrder("bob", "Matrix", "ursula", "adam");
    f.get().hs.assertNoSchemaViolations();
  }

  @Test
  void onlyUserLevelMatrixUsersOpenDirectChatsAndRelayUsersAreToldWhyNot() throws Exception {
    dave = XmppClient.login(f.get().prosody, "dave");
    String ghost = "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();

    String allowed = ursula.createRoom(RoomSpec.privateRoom().direct().invite(ghost));
    f.get().awaitMembership(allowed, ghost, "join");
    ursula.send(allowed, "hello dave");
    await().atMost(WAIT).until(() -> dave.messages.stream().anyMatch(m -> m.getType() == Message.Type.chat
        && "hello dave".equals(m.getBody())));

    String relayRoom = rita.createRoom(RoomSpec.privateRoom().direct().invite(ghost));
    String noneRoom = nora.createRoom(RoomSpec.privateRoom().direct().invite(ghost));
    String fedRoom = fred.createRoom(RoomSpec.privateRoom().direct().invite(ghost));

    // relay: the ghost joins to say why, then leaves.
    await().atMost(WAIT).until(() -> f.get().hs.timeline(relayRoom).stream().anyMatch(e -> ghost.equals(
        e.path("sender").asText()) && "m.notice".equals(e.path("content").path("msgtype").asText())));
    assertThat(noticeOf(relayRoom, ghost)).contains("permission level is relay").contains("need level user");
    f.get().awaitMembership(relayRoom, ghost, "leave");
    // none and federated (none by default): core rejects the invite; the ghost never joins.
    f.get().awaitMembership(noneRoom, ghost, "leave");
    f.get().awaitMembership(fedRoom, ghost, "leave");
    for (String r : List.of(noneRoom, fedRoom)) {
      assertThat(f.get().hs.timeline(r)).noneMatch(e -> "m.room.member".equals(e.path("type").asText())
          && ghost.equals(e.path("state_key").asText()) && "join".equals(e.path("content").path("membership")
          .asText()));
    }

    // And an XMPP user cannot open one with a relay user (they could never answer as themselves).
    EntityBareJid ritasJid = new MatrixUserJids(ProsodyServer.COMPONENT).jidOf(UserId.of(rita.userId()));
    dave.send(StanzaBuilder.buildMessage("to-rita").to(ritasJid).ofType(Message.Type.chat).setBody("hi rita")
        .build());
    await().atMost(WAIT).until(() -> dave.messages.stream().anyMatch(m -> m.getType() == Message.Type.error
        && "to-rita".equals(m.getStanzaId())
        && m.getError().getCondition() == StanzaError.Condition.item_not_found));
    assertThat(f.get().hs.roomsOf(rita.userId(), "invite")).isEmpty();
    dave.send(StanzaBuilder.buildPresence().to(ritasJid).ofType(Presence.Type.subscribe).build());
    await().atMost(WAIT).until(() -> dave.stanzas.stream().anyMatch(st -> st instanceof Presence p
        && p.getType() == Presence.Type.unsubscribed && p.getFrom().asBareJid().equals(ritasJid)));
    assertThat(dave.stanzas).noneMatch(st -> st instanceof Presence p && p.getFrom() != null
        && p.getFrom().asBareJid().equals(ritasJid)
        && (p.getType() == Presence.Type.subscribed || p.getType() == Presence.Type.available));
    assertThat(dave.messages).noneMatch(m -> m.getType() == Message.Type.chat && m.getBody() != null
        && !m.getBody().equals("hello dave"));
  }

  @Test
  void inAGatewayRoomOnlyUserLevelMembersAreOccupantsRelayUsersSpeakAsTheRoomAndNoneUsersAreUnheard()
      throws Exception {
    String room = ursula.createRoom(RoomSpec.publicRoom().alias("lobby"));
    for (TestUser u : List.of(nora, rita, adam, fred)) {
      u.join(room);
    }
    rita.send(room, "early from rita");
    nora.send(room, "early from nora");
    ursula.send(room, "early from ursula");

    dave = XmppClient.login(f.get().prosody, "dave");
    MultiUserChat lobby = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(gatewayJid("lobby"));
    lobby.join(enter(lobby, 10));

    await().atMost(WAIT).until(() -> nicksIn(lobby).containsAll(List.of("ursula", "adam", "dave")));
    assertThat(nicksIn(lobby)).containsExactlyInAnyOrder("ursula", "adam", "dave");
    List<Message> history = dave.messages.stream().filter(m -> m.getBody() != null
        && DelayInformation.from(m) != null).toList();
    assertThat(history).extracting(Message::getBody).containsExactly("<Rita> early from rita", "early from ursula");
    assertThat(history.get(0).getFrom().toString()).isEqualTo(gatewayJid("lobby").toString()); // the room itself, no occupant

    nora.send(room, "live from nora");
    fred.send(room, "live from fred");
    String ritasLive = rita.send(room, "live from rita");
    adam.send(room, "live from adam");

    Message relayed = daveGets("<Rita> live from rita");
    assertThat(relayed.getFrom().toString()).isEqualTo(gatewayJid("lobby").toString());
    assertThat(daveGets("live from adam").getFrom().toString()).isEqualTo(gatewayJid("lobby") + "/adam");
    assertThat(dave.messages).noneMatch(m -> m.getBody() != null
        && (m.getBody().contains("from nora") || m.getBody().contains("from fred")));

    // A relay user's edit corrects the line the room said for them.
    ObjectNode edit = JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", "* live, fixed");
    edit.putObject("m.new_content").put("msgtype", "m.text").put("body", "live, fixed");
    edit.putObject("m.relates_to").put("rel_type", "m.replace").put("event_id", ritasLive);
    rita.sendEvent(room, "m.room.message", edit);
    Message correction = daveGets("<Rita> live, fixed");
    assertThat(correction.getFrom().toString()).isEqualTo(gatewayJid("lobby").toString());
    assertThat(MessageCorrectExtension.from(correction).getIdInitialMessage()).isEqualTo(relayed.getStanzaId());

    // The archive (MAM) tells the same story: relay lines from the room, none users' messages not at all.
    MamQueries.query(dave, gatewayJid("lobby"), "q1", 50, "");
    await().atMost(WAIT).until(() -> MamQueries.bodies(dave, "q1").contains("live from adam"));
    assertThat(MamQueries.bodies(dave, "q1")).containsExactly("<Rita> early from rita", "early from ursula",
        "<Rita> live from rita", "live from adam");
    assertThat(MamQueries.senders(dave, "q1").get(0)).isEqualTo(gatewayJid("lobby").toString());
    assertThat(nicksIn(lobby)).containsExactlyInAnyOrder("ursula", "adam", "dave");
    f.get().hs.assertNoSchemaViolations();
  }

  @Test
  void xmppUsersEnterOnlyGatewayRoomsWhoseCreatorMayUseTheBridge() throws Exception {
    String closed = nora.createRoom(RoomSpec.publicRoom().alias("noras"));
    String open = adam.createRoom(RoomSpec.publicRoom().alias("adams"));
    String daveGhost = "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();
    dave = XmppClient.login(f.get().prosody, "dave");

    MultiUserChat noras = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(gatewayJid("noras"));
    assertThatThrownBy(() -> noras.join(enter(noras, 0)))
        .isInstanceOfSatisfying(XMPPException.XMPPErrorException.class, e -> {
          assertThat(e.getStanzaError().getCondition()).isEqualTo(StanzaError.Condition.forbidden);
          assertThat(e.getStanzaError().getDescriptiveText()).contains("not open to XMPP");
        });
    // The ghost read the room as a member (the bot is not in it) and left again.
    assertThat(f.get().hs.members(closed).get(daveGhost)).isEqualTo("leave");

    // An alias of another server is no gateway room: not even looked up.
    EntityBareJid foreign = new GatewayJids(ProsodyServer.COMPONENT).jidOf(RoomAlias.of("#lobby:elsewhere.test"));
    MultiUserChat elsewhere = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(foreign);
    assertThatThrownBy(() -> elsewhere.join(enter(elsewhere, 0)))
        .isInstanceOfSatisfying(XMPPException.XMPPErrorException.class, e -> {
          assertThat(e.getStanzaError().getCondition()).isEqualTo(StanzaError.Condition.item_not_found);
          assertThat(e.getStanzaError().getDescriptiveText())
              .isEqualTo("This gateway serves only rooms with an alias on " + f.get().hs.serverName());
        });
    assertThat(f.get().hs.requests("GET", ".*/directory/room/.*"))
        .noneMatch(r -> r.decodedPath().contains("elsewhere"));

    MultiUserChat adams = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(gatewayJid("adams"));
    adams.join(enter(adams, 0));
    f.get().awaitMembership(open, daveGhost, "join");
    assertThat(nicksIn(adams)).contains("adam", "dave");
  }

  // ---- helpers

  private EntityBareJid gatewayJid(String aliasLocalpart) {
    return new GatewayJids(ProsodyServer.COMPONENT)
        .jidOf(RoomAlias.of("#" + aliasLocalpart + ":" + f.get().hs.serverName()));
  }

  private static EntityBareJid bareJid(String jid) throws Exception {
    return org.jxmpp.jid.impl.JidCreate.entityBareFrom(jid);
  }

  private MucEnterConfiguration enter(MultiUserChat muc, int history) throws Exception {
    return muc.getEnterConfigurationBuilder(Resourcepart.from("dave")).requestMaxStanzasHistory(history)
        .timeoutAfter(WAIT.toMillis()).build();
  }

  private static Set<String> nicksIn(MultiUserChat muc) {
    return muc.getOccupants().stream().map(o -> o.getResourceOrEmpty().toString()).collect(Collectors.toSet());
  }

  private Message bobGets(String body) {
    return gets(f.get().bob, body);
  }

  private Message daveGets(String body) {
    return gets(dave, body);
  }

  private static Message gets(XmppClient client, String body) {
    await().atMost(WAIT).until(() -> client.messages.stream().anyMatch(m -> body.equals(m.getBody())));
    return client.messages.stream().filter(m -> body.equals(m.getBody())).findFirst().orElseThrow();
  }

  private String noticeOf(String room, String sender) {
    return f.get().hs.timeline(room).stream().filter(e -> sender.equals(e.path("sender").asText())
            && "m.notice".equals(e.path("content").path("msgtype").asText()))
        .map(e -> e.path("content").path("body").asText()).findFirst().orElse("");
  }
}
