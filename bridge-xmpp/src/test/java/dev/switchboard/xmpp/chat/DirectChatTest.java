package dev.switchboard.xmpp.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.id.UserId;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import dev.switchboard.xmpp.address.MatrixUserJids;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.chatstates.ChatState;
import org.jivesoftware.smackx.chatstates.packet.ChatStateExtension;
import org.jivesoftware.smackx.disco.ServiceDiscoveryManager;
import org.jivesoftware.smackx.receipts.DeliveryReceipt;
import org.jivesoftware.smackx.receipts.DeliveryReceiptRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;

/**
 * Direct chats both ways, with their bridge state and XEP-0184 delivery receipts: a real XMPP client (Smack) on
 * Prosody and a Matrix user on the testkit homeserver.
 */
class DirectChatTest {
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

  private EntityBareJid jidOf(TestUser user) {
    return new MatrixUserJids(ProsodyServer.COMPONENT).jidOf(UserId.of(user.userId()));
  }

  private String daveGhost() {
    return "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();
  }

  private void chat(EntityBareJid to, String id, String body) throws Exception {
    dave.send(StanzaBuilder.buildMessage(id).to(to).ofType(Message.Type.chat).setBody(body).build());
  }

  private boolean hasBody(String room, String sender, String body) {
    return f.get().hs.timeline(room).stream().anyMatch(e -> sender.equals(e.path("sender").asText())
        && body.equals(e.path("content").path("body").asText()));
  }

  @Test
  void anXmppUserStartsADirectChatAndALeftUserIsInvitedBackByTheNextMessage() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    dave = XmppClient.login(f.get().prosody, "dave");

    chat(jidOf(alice), "d1", "hi alice");

    await().atMost(WAIT).until(() -> !f.get().hs.roomsOf(alice.userId(), "invite").isEmpty());
    String room = f.get().hs.roomsOf(alice.userId(), "invite").get(0);
    assertThat(f.get().hs.roomStateEvent(room, "m.room.member", alice.userId()).path("content").path("is_direct")
        .asBoolean()).isTrue();
    alice.join(room);
    await().atMost(WAIT).until(() -> hasBody(room, daveGhost(), "hi alice"));

    alice.send(room, "hi dave");
    await().atMost(WAIT).until(() -> dave.messages.stream().anyMatch(m -> m.getType() == Message.Type.chat
        && "hi dave".equals(m.getBody()) && m.getFrom().asBareJid().equals(jidOf(alice))));

    // Typing (XEP-0085 composing) reaches the room as the ghost's typing notification.
    dave.send(StanzaBuilder.buildMessage("d2").to(jidOf(alice)).ofType(Message.Type.chat)
        .addExtension(new ChatStateExtension(ChatState.composing)).build());
    await().atMost(WAIT).until(() -> f.get().hs.requests("PUT", ".*/typing/.*").stream()
        .anyMatch(r -> daveGhost().equals(r.userId())));

    alice.leave(room);
    chat(jidOf(alice), "d3", "are you still there?");

    await().atMost(WAIT).until(() -> "invite".equals(f.get().hs.members(room).get(alice.userId())));
    await().atMost(WAIT).until(() -> hasBody(room, daveGhost(), "are you still there?"));
    alice.join(room);
    assertThat(f.get().hs.timeline(room).stream()
        .filter(e -> "hi alice".equals(e.path("content").path("body").asText())))
        .hasSize(1);
    f.get().hs.assertNoSchemaViolations();
  }

  @Test
  void aMatrixUserInvitesAnXmppGhostToADirectChatAndBothTalk() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    dave = XmppClient.login(f.get().prosody, "dave");

    String room = alice.createRoom(RoomSpec.privateRoom().direct().invite(daveGhost()));
    f.get().awaitMembership(room, daveGhost(), "join");
    alice.send(room, "hello from matrix");

    await().atMost(WAIT).until(() -> dave.messages.stream().anyMatch(m -> m.getType() == Message.Type.chat
        && "hello from matrix".equals(m.getBody())));
    chat(jidOf(alice), "d1", "hello back");
    await().atMost(WAIT).until(() -> hasBody(room, daveGhost(), "hello back"));
    assertThat(f.get().hs.roomsOf(alice.userId(), "invite")).isEmpty(); // the same room, not a new one
    f.get().hs.assertNoSchemaViolations();
    assertThat(f.get().bridge.counter("switchboard.xmpp.messages", "direction", "to_remote")).isEqualTo(1);
    await().atMost(WAIT).untilAsserted(() -> assertThat(f.get().bridge.counter("switchboard.xmpp.messages",
        "direction", "to_matrix")).isEqualTo(1));
  }

  private com.fasterxml.jackson.databind.JsonNode awaitBridgeState(String room, String type, String jid) {
    String key = "dev.switchboard://xmpp/" + jid;
    await().atMost(WAIT).until(() -> f.get().hs.roomStateEvent(room, type, key) != null);
    return f.get().hs.roomStateEvent(room, type, key);
  }

  @Test
  void aDirectChatAnXmppUserStartsCarriesTheBridgeState() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    dave = XmppClient.login(f.get().prosody, "dave");

    chat(jidOf(alice), "b1", "hi alice");

    await().atMost(WAIT).until(() -> !f.get().hs.roomsOf(alice.userId(), "invite").isEmpty());
    String room = f.get().hs.roomsOf(alice.userId(), "invite").get(0);
    String dave = "dave@" + ProsodyServer.HOST;
    for (String type : List.of("m.bridge", "uk.half-shot.bridge")) {
      var content = awaitBridgeState(room, type, dave).path("content");
      assertThat(content.path("bridgebot").asText()).isEqualTo("@switchboard:" + f.get().hs.serverName());
      assertThat(content.path("protocol").path("id").asText()).isEqualTo("xmpp");
      assertThat(content.path("network").path("id").asText()).isEqualTo(ProsodyServer.HOST);
      assertThat(content.path("channel").path("id").asText()).isEqualTo(dave);
    }
  }

  @Test
  void aTrustedDirectChatAMatrixUserOpensGetsTheBridgeStateFromTheGhost() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String erin = "erin@" + ProsodyServer.HOST;
    String ghost = "@_xmpp_erin=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName();
    var request = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
        .put("preset", "trusted_private_chat").put("is_direct", true);
    request.putArray("invite").add(ghost);

    String room = alice.createRoom(request);

    f.get().awaitMembership(room, ghost, "join");
    var state = awaitBridgeState(room, "m.bridge", erin);
    assertThat(state.path("sender").asText()).isEqualTo(ghost);
    assertThat(state.path("content").path("channel").path("id").asText()).isEqualTo(erin);
    assertThat(f.get().hs.members(room)).doesNotContainKey("@switchboard:" + f.get().hs.serverName());
  }

  @Test
  void subscriptionsToAMatrixUserAreAcceptedAndItShowsAvailable() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    dave = XmppClient.login(f.get().prosody, "dave");

    dave.send(StanzaBuilder.buildPresence().to(jidOf(alice)).ofType(Presence.Type.subscribe).build());

    await().atMost(WAIT).until(() -> dave.stanzas.stream().anyMatch(s -> s instanceof Presence p
        && p.getType() == Presence.Type.subscribed && p.getFrom().asBareJid().equals(jidOf(alice))));
    await().atMost(WAIT).until(() -> dave.stanzas.stream().anyMatch(s -> s instanceof Presence p
        && p.getType() == Presence.Type.available && p.getFrom().asBareJid().equals(jidOf(alice))));
    assertThat(List.of(jidOf(alice).toString())).allMatch(j -> j.endsWith("@" + ProsodyServer.COMPONENT));
  }

  @Test
  void aMatrixUsersVCardComesFromTheirProfile() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    alice.setDisplayName("Alice Liddell");
    dave = XmppClient.login(f.get().prosody, "dave");

    org.jivesoftware.smackx.vcardtemp.packet.VCard card = org.jivesoftware.smackx.vcardtemp.VCardManager
        .getInstanceFor(dave.connection).loadVCard(jidOf(alice));

    assertThat(card.getField("FN")).isEqualTo("Alice Liddell");
    assertThat(card.getNickName()).isEqualTo("Alice Liddell");
  }

  // ---- XEP-0184 delivery receipts

  private Optional<String> receiptFor(String id) {
    return dave.messages.stream().filter(m -> id.equals(receivedId(m))).map(m -> m.getFrom().asBareJid().toString())
        .findFirst();
  }

  private static String receivedId(Message m) {
    DeliveryReceipt r = m.getExtension(DeliveryReceipt.class);
    return r == null ? null : r.getId();
  }

  @Test
  void aMessageAskingForAReceiptIsConfirmedOnceItIsInTheMatrixRoom() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    dave = XmppClient.login(f.get().prosody, "dave");
    var message = StanzaBuilder.buildMessage("rq-1").to(jidOf(alice)).ofType(Message.Type.chat)
        .setBody("did you get this?");
    DeliveryReceiptRequest.addTo(message);

    dave.send(message.build());

    await().atMost(WAIT).until(() -> receiptFor("rq-1").isPresent());
    // The receipt comes from Alice's address, and only after the event is in her room: nothing confirmed is lost.
    assertThat(receiptFor("rq-1")).contains(jidOf(alice).toString());
    String room = f.get().hs.roomsOf(alice.userId(), "invite").get(0);
    assertThat(hasBody(room, daveGhost(), "did you get this?")).isTrue();

    // A message that does not ask gets no receipt.
    dave.send(StanzaBuilder.buildMessage("plain-1").to(jidOf(alice)).ofType(Message.Type.chat).setBody("no ask")
        .build());
    await().atMost(WAIT).until(() -> hasBody(room, daveGhost(), "no ask"));
    Thread.sleep(300);
    assertThat(receiptFor("plain-1")).isEmpty();
  }

  @Test
  void aMatrixUsersMessageAsksForAReceiptWhichBecomesTheGhostsReadReceiptAndNoMessage() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    dave = XmppClient.login(f.get().prosody, "dave");
    String room = alice.createRoom(RoomSpec.privateRoom().direct().invite(daveGhost()));
    f.get().awaitMembership(room, daveGhost(), "join");

    String sent = alice.send(room, "hello dave");

    await().atMost(WAIT).until(() -> dave.messages.stream().anyMatch(m -> "hello dave".equals(m.getBody())));
    Message got = dave.messages.stream().filter(m -> "hello dave".equals(m.getBody())).findFirst().orElseThrow();
    assertThat(DeliveryReceiptRequest.from(got)).isNotNull();
    assertThat(got.getStanzaId()).isNotBlank();

    int before = f.get().hs.timeline(room).size();
    dave.send(StanzaBuilder.buildMessage("rcpt-0").to(got.getFrom()).ofType(Message.Type.chat)
        .addExtension(new DeliveryReceipt("mx-never-sent")).build()); // names nothing: dropped
    dave.send(StanzaBuilder.buildMessage("rcpt-1").to(got.getFrom()).ofType(Message.Type.chat)
        .addExtension(new DeliveryReceipt(got.getStanzaId())).build());
    dave.send(StanzaBuilder.buildMessage("after-1").to(jidOf(alice)).ofType(Message.Type.chat)
        .setBody("after the receipt").build());

    // Direct chats keep order per pair: once the later message is in, the receipt was handled, and left no event.
    await().atMost(WAIT).until(() -> hasBody(room, daveGhost(), "after the receipt"));
    assertThat(f.get().hs.timeline(room).subList(before, f.get().hs.timeline(room).size()))
        .extracting(e -> e.path("content").path("body").asText())
        .containsExactly("after the receipt");
    // Delivered: the ghost has read it (Matrix has no delivered receipt), and only that one event.
    assertThat(f.get().hs.requests("POST", ".*/receipt/m\\.read/.*"))
        .filteredOn(r -> daveGhost().equals(r.userId()))
        .extracting(r -> r.decodedPath().substring(r.decodedPath().lastIndexOf('/') + 1))
        .containsExactly(sent);
  }

  @Test
  void theComponentAndMatrixUsersAddressesAdvertiseReceipts() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    dave = XmppClient.login(f.get().prosody, "dave");
    ServiceDiscoveryManager disco = ServiceDiscoveryManager.getInstanceFor(dave.connection);

    assertThat(disco.discoverInfo(JidCreate.from(ProsodyServer.COMPONENT)).containsFeature("urn:xmpp:receipts"))
        .isTrue();
    assertThat(disco.discoverInfo(jidOf(alice)).containsFeature("urn:xmpp:receipts")).isTrue();
    assertThat(disco.discoverInfo(JidCreate.from(jidOf(alice) + "/matrix")).containsFeature("urn:xmpp:receipts"))
        .isTrue();
  }
}
