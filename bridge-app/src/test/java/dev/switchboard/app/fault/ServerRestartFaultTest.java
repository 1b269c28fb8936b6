package dev.switchboard.app.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.net.PausableProxy;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * Issue 15: the remote server restarted in the middle of a Matrix → remote burst while the bridge keeps running:
 * nothing is lost, repeated or reordered. The bridge reaches the server through a {@link PausableProxy} that holds
 * its reconnection until the watching user is back in the room (ngircd forgets its channels on restart, and nobody
 * would see a line said into an empty channel); the proxy is paused only after the server went down, so it never
 * holds a line the bridge wrote to a live server.
 */
class ServerRestartFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String CHANNEL = "#burst";

  @TempDir
  Path dir;

  /**
   * 40 lines through the default flood control (2 lines/s after a burst of 5: about 20 s), ngircd restarted after
   * about 15 reached the channel.
   */
  @Test
  void aBurstFromMatrixReachesTheChannelOnceEachInOrderAcrossAnNgircdRestart() throws Exception {
    int n = 40;
    List<IrcTestUser> watchers = new ArrayList<>();
    try (NgircdServer ircd = NgircdServer.start(); PausableProxy link = PausableProxy.inFrontOf(ircd.host(),
        ircd.port()); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> IrcCrashFaultTest.ircNetwork(cfg,
            link.host(), link.port())).start()) {
      watchers.add(IrcTestUser.connect(ircd, "watcher"));
      watchers.get(0).join(CHANNEL);
      TestUser alice = hs.user("alice");
      String room = alice.join(IrcCrashFaultTest.portal(hs));
      watchers.get(0).awaitLine(l -> l.startsWith(":alice!") && l.contains(" JOIN "), WAIT);

      for (String m : Burst.numbered(n)) {
        alice.send(room, m);
      }
      await().atMost(WAIT).until(() -> seen(watchers, n).received().size() >= 15);
      ircd.stop();
      Burst atStop = seen(watchers, n);
      link.pause();
      ircd.startAgain();
      watchers.add(IrcTestUser.connect(ircd, "watcher"));
      watchers.get(1).join(CHANNEL);
      link.resume();

      Settle.until(() -> seen(watchers, n).received().contains(Burst.numbered(n).get(n - 1)), WAIT);
      Settle.quiet(() -> seen(watchers, n).received().size(), Duration.ofSeconds(1), WAIT);
      Burst burst = seen(watchers, n);
      FaultReport.record("irc", "matrix->irc", "ngircd restarted after " + atStop.received().size(), burst);
      String why = burst.summary() + "\nbridge log:\n" + bridge.logTail() + "\nngircd log:\n" + ircd.log();
      assertThat(burst.lost()).as(why).isEmpty();
      assertThat(burst.reordered()).as(why).isEmpty();
      assertThat(burst.duplicated()).as(why).isEmpty();
    } finally {
      watchers.forEach(IrcTestUser::close);
    }
  }

  /**
   * IRC → Matrix, 200 lines at 25 a second, ngircd restarted once about 100 are in the room. carol is disconnected
   * with everyone; her client reconnects, rejoins, and she goes on once the bot is back in the channel (nothing
   * said into a channel the bridge is not in could reach it). Lost may be only what ngircd had taken from her but
   * not yet relayed to the bot when it stopped: lines said before she saw the server go.
   */
  @Test
  void aBurstFromIrcReachesTheRoomOnceEachInOrderAcrossAnNgircdRestart() throws Exception {
    int n = 200;
    AtomicReference<IrcTestUser> carol = new AtomicReference<>();
    try (NgircdServer ircd = NgircdServer.start(); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> IrcCrashFaultTest.ircNetwork(cfg, ircd))
            .start()) {
      carol.set(IrcTestUser.connect(ircd, "carol"));
      carol.get().join(CHANNEL);
      TestUser alice = hs.user("alice");
      String room = alice.join(IrcCrashFaultTest.portal(hs));
      carol.get().awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
      String ghost = "@_irc_test_carol:" + hs.serverName();
      AtomicBoolean serverUp = new AtomicBoolean(true);

      PacedSender sender = PacedSender.start(Burst.numbered(n), Duration.ofMillis(40),
          m -> carol.get().say(CHANNEL, m),
          () -> serverUp.get() && IrcCrashFaultTest.inChannel(carol.get(), "switchboard"));
      await().atMost(WAIT).until(() -> RoomTexts.from(hs, room, ghost).size() >= n / 2);
      serverUp.set(false);
      ircd.stop();
      int atStop = RoomTexts.from(hs, room, ghost).size();
      ircd.startAgain();
      carol.get().close();
      carol.set(IrcTestUser.connect(ircd, "carol"));
      carol.get().join(CHANNEL);
      serverUp.set(true);
      sender.awaitDone(WAIT);

      Settle.until(() -> RoomTexts.from(hs, room, ghost).contains(Burst.numbered(n).get(n - 1)), WAIT);
      Settle.quiet(() -> RoomTexts.from(hs, room, ghost).size(), Duration.ofSeconds(1), WAIT);
      Burst burst = Burst.of(n, RoomTexts.from(hs, room, ghost));
      List<String> saidBeforeStop = Burst.numbered(n).subList(0, sender.firstHeld());
      FaultReport.record("irc", "irc->matrix", "ngircd restarted after " + atStop + ", " + saidBeforeStop.size()
          + " said before the stop", burst);
      String why = burst.summary() + "; said before the stop: " + saidBeforeStop.size() + "\nbridge log:\n"
          + bridge.logTail();
      assertThat(burst.reordered()).as(why).isEmpty();
      assertThat(burst.duplicated()).as(why).isEmpty();
      assertThat(burst.lost()).as(why).allSatisfy(m -> assertThat(saidBeforeStop).contains(m));
      assertThat(burst.lost().size()).as(why).isLessThanOrEqualTo(FaultReport.INBOUND_LOSS_WINDOW);
    } finally {
      if (carol.get() != null) {
        carol.get().close();
      }
    }
  }

  private static Burst seen(List<IrcTestUser> watchers, int n) {
    List<String> all = new ArrayList<>();
    for (IrcTestUser w : List.copyOf(watchers)) {
      all.addAll(w.messagesTo(CHANNEL));
    }
    return Burst.of(n, all);
  }

  /** 200 messages into a MUC portal, Prosody restarted (same data, same ports) after about 100 reached carol. */
  @Test
  void aBurstFromMatrixReachesTheMucOnceEachInOrderAcrossAProsodyRestart() throws Exception {
    int n = 200;
    EntityBareJid muc = JidCreate.entityBareFrom("burst@" + ProsodyServer.MUC);
    List<XmppUser> carols = new ArrayList<>();
    try (ProsodyServer prosody = ProsodyServer.start("info");
        PausableProxy link = PausableProxy.inFrontOf("127.0.0.1", prosody.componentPort());
        TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> XmppCrashFaultTest.xmppComponent(cfg,
            prosody, link.port())).start()) {
      carols.add(XmppUser.login(prosody, "carol"));
      MultiUserChatManager.getInstanceFor(carols.get(0).connection).getMultiUserChat(muc)
          .create(Resourcepart.from("carol")).makeInstant();
      TestUser alice = hs.user("alice");
      String room = alice.join(XmppCrashFaultTest.portal(hs));
      alice.send(room, "hello from matrix");
      await().atMost(WAIT).until(() -> carols.get(0).bodiesFrom(muc, "carol").contains("hello from matrix"));

      PacedSender sender = PacedSender.start(Burst.numbered(n), Burst.MATRIX_PACE,
          m -> alice.send(room, m));
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> seen(carols, muc, n).received().size()
          >= n / 2);
      prosody.stop();
      Burst atStop = seen(carols, muc, n);
      link.pause();
      prosody.startAgain();
      XmppUser again = XmppUser.loginExisting(prosody, "carol");
      carols.add(again);
      // As her client does on reconnecting: join again with recent history, shown where not already seen.
      EntityFullJid carolInMuc = JidCreate.entityFullFrom(muc, Resourcepart.from("carol"));
      again.joinMuc(carolInMuc, 50);
      await().atMost(WAIT).until(() -> again.joined(carolInMuc));
      link.resume();
      sender.awaitDone(WAIT);

      Settle.until(() -> seen(carols, muc, n).received().contains(Burst.numbered(n).get(n - 1)), WAIT);
      Settle.quiet(() -> seen(carols, muc, n).received().size(), Duration.ofSeconds(1), WAIT);
      Burst burst = seen(carols, muc, n);
      FaultReport.record("xmpp-muc", "matrix->xmpp", "Prosody restarted after " + atStop.received().size(), burst);
      String why = burst.summary() + "\nbridge log:\n" + bridge.logTail();
      // Known gap (docs/architecture.md, "Measured windows"): stanzas flushed to the component stream while Prosody
      // shuts down are neither routed nor bounced, yet count as delivered. Lost ones must be those, right after
      // what carol had seen when the stop began; make this isEmpty() once the MUC's reflection confirms delivery.
      List<String> inFlightAtStop = Burst.numbered(n).subList(atStop.received().size(),
          Math.min(n, atStop.received().size() + FaultReport.XMPP_SHUTDOWN_WINDOW));
      assertThat(burst.lost()).as(why).allSatisfy(m -> assertThat(inFlightAtStop).contains(m));
      assertThat(burst.reordered()).as(why).isEmpty();
      assertThat(burst.duplicated()).as(why).isEmpty();
    } finally {
      carols.forEach(XmppUser::close);
    }
  }

  /**
   * XMPP → MUC portal → Matrix, 200 messages at 20 a second, Prosody restarted once about 100 are in the room.
   * carol is disconnected with everyone; her client logs in again and rejoins, and she goes on once she sees the
   * bridge's listener back in the MUC. Lost may be only what Prosody had taken from her but not yet routed to the
   * component when it stopped: messages said before she saw the server go.
   */
  @Test
  void aBurstFromTheMucReachesTheRoomOnceEachInOrderAcrossAProsodyRestart() throws Exception {
    int n = 200;
    EntityBareJid muc = JidCreate.entityBareFrom("burst@" + ProsodyServer.MUC);
    EntityFullJid listener = JidCreate.entityFullFrom(muc, Resourcepart.from("Matrix"));
    EntityFullJid carolInMuc = JidCreate.entityFullFrom(muc, Resourcepart.from("carol"));
    AtomicReference<XmppUser> carol = new AtomicReference<>();
    try (ProsodyServer prosody = ProsodyServer.start("info"); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> XmppCrashFaultTest.xmppComponent(cfg,
            prosody)).start()) {
      carol.set(XmppUser.login(prosody, "carol"));
      MultiUserChatManager.getInstanceFor(carol.get().connection).getMultiUserChat(muc)
          .create(Resourcepart.from("carol")).makeInstant();
      TestUser alice = hs.user("alice");
      String room = alice.join(XmppCrashFaultTest.portal(hs));
      await().atMost(WAIT).until(() -> carol.get().sees(listener));
      String ghost = "@_xmpp_burst=40" + ProsodyServer.MUC + "/carol:" + hs.serverName();
      AtomicBoolean serverUp = new AtomicBoolean(true);

      PacedSender sender = PacedSender.start(Burst.numbered(n), Duration.ofMillis(50), m -> carol.get().say(muc, m),
          () -> serverUp.get() && carol.get().sees(listener));
      await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
          .until(() -> RoomTexts.from(hs, room, ghost).size() >= n / 2);
      serverUp.set(false);
      prosody.stop();
      int atStop = RoomTexts.from(hs, room, ghost).size();
      prosody.startAgain();
      carol.get().close();
      carol.set(XmppUser.loginExisting(prosody, "carol"));
      carol.get().joinMuc(carolInMuc);
      serverUp.set(true);
      sender.awaitDone(WAIT);

      Settle.until(() -> RoomTexts.from(hs, room, ghost).contains(Burst.numbered(n).get(n - 1)), WAIT);
      Settle.quiet(() -> RoomTexts.from(hs, room, ghost).size(), Duration.ofSeconds(1), WAIT);
      Burst burst = Burst.of(n, RoomTexts.from(hs, room, ghost));
      List<String> saidBeforeStop = Burst.numbered(n).subList(0, sender.firstHeld());
      FaultReport.record("xmpp-muc", "xmpp->matrix", "Prosody restarted after " + atStop + ", "
          + saidBeforeStop.size() + " said before the stop", burst);
      String why = burst.summary() + "; said before the stop: " + saidBeforeStop.size() + "\nbridge log:\n"
          + bridge.logTail();
      assertThat(burst.reordered()).as(why).isEmpty();
      assertThat(burst.duplicated()).as(why).isEmpty();
      assertThat(burst.lost()).as(why).allSatisfy(m -> assertThat(saidBeforeStop).contains(m));
      assertThat(burst.lost().size()).as(why).isLessThanOrEqualTo(FaultReport.INBOUND_LOSS_WINDOW);
    } finally {
      if (carol.get() != null) {
        carol.get().close();
      }
    }
  }

  /**
   * What carol's client shows, connection after connection: each one's join history where its MUC stanza-id was not
   * shown yet (messages the MUC routed while she was gone), then its live messages.
   */
  private static Burst seen(List<XmppUser> carols, EntityBareJid muc, int n) {
    List<String> all = new ArrayList<>();
    java.util.Set<String> shown = new java.util.HashSet<>();
    for (XmppUser c : List.copyOf(carols)) {
      for (List<org.jivesoftware.smack.packet.Message> part : List.of(c.history, c.live)) {
        for (org.jivesoftware.smack.packet.Message m : part) {
          String id = XmppUser.stanzaId(m, muc);
          boolean fromOthers = m.getFrom() != null && !"carol".equals(m.getFrom().getResourceOrEmpty().toString());
          if (fromOthers && (id == null || shown.add(id))) {
            all.add(m.getBody());
          }
        }
      }
    }
    return Burst.of(n, all);
  }
}
