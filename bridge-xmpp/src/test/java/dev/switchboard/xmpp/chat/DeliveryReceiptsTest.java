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
import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.disco.ServiceDiscoveryManager;
import org.jivesoftware.smackx.receipts.DeliveryReceipt;
import org.jivesoftware.smackx.receipts.DeliveryReceiptRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;

/** XEP-0184 delivery receipts in direct chats, both ways, with a real Smack client on Prosody. */
class DeliveryReceiptsTest {
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

  private boolean inRoom(String room, String body) {
    return f.get().hs.timeline(room).stream().anyMatch(e -> daveGhost().equals(e.path("sender").asText())
        && body.equals(e.path("content").path("body").asText()));
  }

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
    assertThat(inRoom(room, "did you get this?")).isTrue();

    // A message that does not ask gets no receipt.
    dave.send(StanzaBuilder.buildMessage("plain-1").to(jidOf(alice)).ofType(Message.Type.chat).setBody("no ask")
        .build());
    await().atMost(WAIT).until(() -> inRoom(room, "no ask"));
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
    await().atMost(WAIT).until(() -> inRoom(room, "after the receipt"));
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
