package dev.switchboard.app.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.address.GatewayJids;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * Issue 15: 200 messages each way through an XMPP MUC portal and through a gateway room (an XMPP user in a Matrix
 * room), on a real Prosody, with the bridge (a child JVM running the CLI) SIGKILLed in the middle and started again
 * on the same database.
 */
class XmppCrashFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int N = 200;
  private static final String MUC = "burst@" + ProsodyServer.MUC;
  static final String COMPONENT_UP = "Component " + ProsodyServer.COMPONENT + " connected";

  @TempDir
  Path dir;

  static void xmppComponent(ObjectNode cfg, ProsodyServer prosody) {
    xmppComponent(cfg, prosody, prosody.componentPort());
  }

  /** The component section, reaching Prosody's component port through {@code port} (a proxy in front of it). */
  static void xmppComponent(ObjectNode cfg, ProsodyServer prosody, int port) {
    // Only the server and the component's secret are ours; everything else is the sample's default.
    cfg.putObject("xmpp").put("enabled", true).put("domain", ProsodyServer.COMPONENT)
        .put("secret", prosody.componentSecret()).put("server_host", "127.0.0.1").put("server_port", port);
  }

  static String portal(TestHomeserver hs) {
    return "#_xmpp_burst_" + ProsodyServer.MUC + ":" + hs.serverName();
  }

  /** carol creates the MUC and is in it; alice joins its portal; a first message from Matrix proves the link is up. */
  private static String linkedPortal(TestHomeserver hs, XmppUser carol, TestUser alice) throws Exception {
    EntityBareJid muc = JidCreate.entityBareFrom(MUC);
    MultiUserChatManager.getInstanceFor(carol.connection).getMultiUserChat(muc).create(Resourcepart.from("carol"))
        .makeInstant();
    String room = alice.join(portal(hs));
    alice.send(room, "hello from matrix");
    await().atMost(WAIT).until(() -> carol.bodiesFrom(muc, "carol").contains("hello from matrix"));
    return room;
  }

  @Test
  void aBurstFromMatrixReachesTheMucOnceEachInOrderAcrossASigkill() throws Exception {
    try (ProsodyServer prosody = ProsodyServer.start("info"); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> xmppComponent(cfg, prosody)).start();
        XmppUser carol = XmppUser.login(prosody, "carol")) {
      TestUser alice = hs.user("alice");
      String room = linkedPortal(hs, carol, alice);
      EntityBareJid muc = JidCreate.entityBareFrom(MUC);

      PacedSender sender = PacedSender.start(Burst.numbered(N), Burst.MATRIX_PACE, m -> alice.send(room, m));
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
          .until(() -> Burst.of(N, carol.bodiesFrom(muc, "carol")).received().size() >= N / 2);
      bridge.kill();
      Burst atKill = Burst.of(N, carol.bodiesFrom(muc, "carol"));
      bridge.restart();
      sender.awaitDone(WAIT);

      Settle.until(() -> carol.bodiesFrom(muc, "carol").contains(Burst.numbered(N).get(N - 1)), WAIT);
      Settle.quiet(() -> carol.live.size(), Duration.ofSeconds(1), WAIT);
      Burst burst = Burst.of(N, carol.bodiesFrom(muc, "carol"));
      FaultReport.record("xmpp-muc", "matrix->xmpp", "SIGKILL after " + atKill.received().size(), burst);
      String why = burst.summary() + "\nbridge log:\n" + bridge.logTail();
      assertThat(burst.lost()).as(why).isEmpty();
      assertThat(burst.reordered()).as(why).isEmpty();
      assertThat(burst.duplicated().keySet()).as(why).allSatisfy(m -> assertThat(atKill.received()).contains(m));
      assertThat(burst.duplicateCopies()).as(why).isLessThanOrEqualTo(FaultReport.XMPP_DUPLICATE_WINDOW);
    }
  }

  /**
   * XMPP → Matrix through the MUC portal, carol saying 200 messages at 20 a second and going on while the bridge is
   * down: the bridge rejoins asking for the MUC's history since it last heard from the room, then catches up from
   * the MUC's archive (XEP-0313) past the join history's 20 messages, and its ghosts' txn ids drop what was already
   * bridged: nothing is lost, repeated or reordered.
   */
  @Test
  void aBurstFromTheMucReachesTheRoomOnceEachInOrderAcrossASigkill() throws Exception {
    try (ProsodyServer prosody = ProsodyServer.start("info"); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> xmppComponent(cfg, prosody)).start();
        XmppUser carol = XmppUser.login(prosody, "carol")) {
      TestUser alice = hs.user("alice");
      String room = linkedPortal(hs, carol, alice);
      EntityBareJid muc = JidCreate.entityBareFrom(MUC);
      String ghost = "@_xmpp_burst=40" + ProsodyServer.MUC + "/carol:" + hs.serverName();

      // As slow as a loaded Synapse (50-60 ms a send): the room falls behind, so the kill lands among lines merged
      // into one event each (docs/architecture.md, "Coalescing").
      hs.faults().next(Integer.MAX_VALUE).matching("/send/m\\.room\\.message/")
          .delay(Duration.ofMillis(50), Duration.ofMillis(60));
      PacedSender sender = PacedSender.start(Burst.numbered(N), Duration.ofMillis(50), m -> carol.say(muc, m));
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
          .until(() -> RoomTexts.from(hs, room, ghost).size() >= N / 2);
      bridge.kill();
      int atKill = RoomTexts.from(hs, room, ghost).size();
      int sentAtKill = sender.sent();
      bridge.restart();
      bridge.awaitLog(COMPONENT_UP, WAIT);
      int sentWhenBack = sender.sent();
      sender.awaitDone(WAIT);

      Settle.until(() -> RoomTexts.from(hs, room, ghost).contains(Burst.numbered(N).get(N - 1)), WAIT);
      Settle.quiet(() -> RoomTexts.from(hs, room, ghost).size(), Duration.ofSeconds(1), WAIT);
      Burst burst = Burst.of(N, RoomTexts.from(hs, room, ghost));
      List<String> saidWhileAway = Burst.numbered(N).subList(atKill, sentWhenBack);
      FaultReport.record("xmpp-muc", "xmpp->matrix", "SIGKILL after " + atKill + " (" + sentAtKill
          + " said), component back after " + sentWhenBack + " said", burst);
      String why = burst.summary() + "; not in Matrix at the kill and said before the component was back: "
          + saidWhileAway.size() + "\nbridge log:\n" + bridge.logTail();
      assertThat(burst.lost()).as(why).isEmpty();
      assertThat(burst.reordered()).as(why).isEmpty();
      assertThat(burst.duplicated()).as(why).isEmpty();
      assertThat(hs.timeline(room)).as("some lines were merged").anyMatch(e -> ghost.equals(e.path("sender").asText())
          && e.path("content").path("body").asText().contains("\n"));
    }
  }

  private static EntityBareJid gatewayRoom(TestHomeserver hs, String aliasLocalpart) {
    return new GatewayJids(ProsodyServer.COMPONENT).jidOf(RoomAlias.of("#" + aliasLocalpart + ":" + hs.serverName()));
  }

  /**
   * Matrix → XMPP in gateway mode: alice says 200 messages in a Matrix room that dave, on XMPP, is in. Gateway
   * occupants live in the bridge's memory, so after the restart the bridge no longer sends him the room: his client
   * finds out with a XEP-0410 self-ping (the test pings once the bridge is back, as a client's ping timer would),
   * joins again asking for history (the bridge's maximum, 100), and shows what it had not shown yet (by the room's
   * XEP-0359 stanza-id, which is the Matrix event id). The kill comes once 120 have reached him, so that what he
   * missed fits in that history (what does not is the documented window of this path).
   */
  @Test
  void aBurstFromMatrixReachesAGatewayOccupantOnceEachInOrderAcrossASigkillAndARejoin() throws Exception {
    try (ProsodyServer prosody = ProsodyServer.start("info"); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> xmppComponent(cfg, prosody)).start();
        XmppUser dave = XmppUser.login(prosody, "dave")) {
      TestUser alice = hs.user("alice");
      String room = alice.createRoom(RoomSpec.publicRoom().alias("lobby"));
      bridge.awaitLog(COMPONENT_UP, WAIT);
      EntityBareJid lobby = gatewayRoom(hs, "lobby");
      EntityFullJid daveInLobby = JidCreate.entityFullFrom(lobby, Resourcepart.from("dave"));
      dave.joinMuc(daveInLobby);
      await().atMost(WAIT).until(() -> dave.joined(daveInLobby));

      PacedSender sender = PacedSender.start(Burst.numbered(N), Burst.MATRIX_PACE, m -> alice.send(room, m));
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
          .until(() -> Burst.of(N, dave.shown(lobby, "dave")).received().size() >= N / 2 + 20);
      bridge.kill();
      Burst atKill = Burst.of(N, dave.shown(lobby, "dave"));
      bridge.restart();
      bridge.awaitLog(COMPONENT_UP, WAIT);
      sender.awaitDone(WAIT);
      boolean stillJoined = dave.stillJoined(daveInLobby);
      if (!stillJoined) {
        dave.joinMuc(daveInLobby, 100);
      }

      Settle.until(() -> dave.shown(lobby, "dave").contains(Burst.numbered(N).get(N - 1)), WAIT);
      Settle.quiet(() -> dave.shown(lobby, "dave").size(), Duration.ofSeconds(1), WAIT);
      Burst burst = Burst.of(N, dave.shown(lobby, "dave"));
      FaultReport.record("xmpp-gateway", "matrix->xmpp", "SIGKILL after " + atKill.received().size()
          + (stillJoined ? "" : ", self-ping said not joined, rejoined with history"), burst);
      String why = burst.summary() + "\nbridge log:\n" + bridge.logTail();
      assertThat(burst.lost()).as(why).isEmpty();
      assertThat(burst.reordered()).as(why).isEmpty();
      assertThat(burst.duplicated()).as(why).isEmpty();
    }
  }

  /**
   * XMPP → Matrix in gateway mode: dave, on XMPP, is in a Matrix room; he says 200 messages at 20 a second. While
   * the component is down Prosody bounces what he says (he is shown them as not delivered: nothing can take them).
   * After the restart the bridge still knows him as an occupant (issue 15: occupants are stored), so nothing he
   * says bounces with {@code not-acceptable}, his XEP-0410 self-ping says he is in, and he is heard without
   * rejoining. Apart from Prosody's bounces, only what the dead process had read and not yet stored may be missing
   * (the documented window).
   */
  @Test
  void aBurstFromAGatewayOccupantReachesTheRoomOnceEachInOrderAcrossASigkill() throws Exception {
    try (ProsodyServer prosody = ProsodyServer.start("info"); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> xmppComponent(cfg, prosody)).start();
        XmppUser dave = XmppUser.login(prosody, "dave")) {
      TestUser alice = hs.user("alice");
      String room = alice.createRoom(RoomSpec.publicRoom().alias("lobby"));
      bridge.awaitLog(COMPONENT_UP, WAIT);
      EntityBareJid lobby = gatewayRoom(hs, "lobby");
      EntityFullJid daveInLobby = JidCreate.entityFullFrom(lobby, Resourcepart.from("dave"));
      dave.joinMuc(daveInLobby);
      await().atMost(WAIT).until(() -> dave.joined(daveInLobby));
      String ghost = "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + hs.serverName();

      PacedSender sender = PacedSender.start(Burst.numbered(N), Duration.ofMillis(50), m -> dave.say(lobby, m));
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
          .until(() -> RoomTexts.from(hs, room, ghost).size() >= N / 2);
      bridge.kill();
      int atKill = RoomTexts.from(hs, room, ghost).size();
      bridge.restart();
      bridge.awaitLog(COMPONENT_UP, WAIT);
      sender.awaitDone(WAIT);
      Settle.quiet(() -> dave.errors.size(), Duration.ofSeconds(1), WAIT);
      List<String> bounced = dave.bounced().stream().map(Burst::messageIn).filter(m -> m != null).sorted()
          .toList();
      List<org.jivesoftware.smack.packet.Message> refused = dave.errors.stream().filter(e -> e.getError() != null
          && e.getError().getCondition() == org.jivesoftware.smack.packet.StanzaError.Condition.not_acceptable)
          .toList();

      Settle.until(() -> RoomTexts.from(hs, room, ghost).contains(Burst.numbered(N).get(N - 1))
          || bounced.contains(Burst.numbered(N).get(N - 1)), WAIT);
      Settle.quiet(() -> RoomTexts.from(hs, room, ghost).size(), Duration.ofSeconds(1), WAIT);
      Burst burst = Burst.of(N, RoomTexts.from(hs, room, ghost));
      FaultReport.record("xmpp-gateway", "xmpp->matrix", "SIGKILL after " + atKill + ", " + bounced.size()
          + " bounced to the sender while the component was down, " + refused.size() + " refused as not-acceptable",
          burst);
      String why = burst.summary() + "; bounced: " + bounced + "\nbridge log:\n" + bridge.logTail();
      // Lost without a bounce only inside the window: read by the dead process, not yet in its outbound queue.
      List<String> unannounced = burst.lost().stream().filter(m -> !bounced.contains(m)).toList();
      assertThat(unannounced).as(why).allSatisfy(m -> assertThat(Burst.numbered(N).indexOf(m)).isGreaterThanOrEqualTo(
          atKill));
      assertThat(unannounced.size()).as(why).isLessThanOrEqualTo(FaultReport.INBOUND_LOSS_WINDOW);
      assertThat(burst.reordered()).as(why).isEmpty();
      assertThat(burst.duplicated()).as(why).isEmpty();
      // The restarted bridge knew him: nothing was lost for want of a rejoin.
      assertThat(refused).as(why).isEmpty();

      // His self-ping (XEP-0410) says he is still in, and he is heard without joining again.
      assertThat(dave.stillJoined(daveInLobby)).as(why).isTrue();
      dave.say(lobby, "back again");
      hs.awaitEvent(room, ghost, e -> e.path("content").path("body").asText().equals("back again"), WAIT);
    }
  }
}
