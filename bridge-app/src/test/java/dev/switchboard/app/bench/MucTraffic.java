package dev.switchboard.app.bench;

import static org.awaitility.Awaitility.await;

import dev.switchboard.app.fault.XmppUser;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * The XMPP people of {@link CpuBenchmark}: one XMPP user who creates a MUC and {@code users} Matrix users in its
 * portal (each an occupant of the MUC through the bridge), sending numbered lines each way ({@code m2x N} from
 * Matrix, {@code x2m N} from XMPP), timed at their first arrival: as the XMPP user's client gets the groupchat
 * message, as the homeserver stores the ghost's event.
 */
final class MucTraffic implements AutoCloseable {
  private static final String ROOM = "cpu";
  /** The MUC's jid. */
  static final String MUC = ROOM + "@" + ProsodyServer.MUC;

  private final XmppUser carol;
  private final EntityBareJid muc;
  private final List<TestUser> users = new ArrayList<>();
  private final List<String> rooms = new ArrayList<>();
  private final Latencies toXmpp = new Latencies();
  private final Latencies toMatrix = new Latencies();
  /** The MUC's occupants' nicks, as the XMPP user sees them. */
  private final Set<String> occupants = ConcurrentHashMap.newKeySet();
  /** Every groupchat body the XMPP user got. */
  private final Set<String> bodies = ConcurrentHashMap.newKeySet();

  private MucTraffic(XmppUser carol, EntityBareJid muc) {
    this.carol = carol;
    this.muc = muc;
  }

  /**
   * Creates the MUC, has the users join its portal and say a first line (which makes each an occupant), and waits
   * until they all are and a line crossed each way.
   */
  static MucTraffic join(ProsodyServer prosody, TestHomeserver hs, int users, Duration wait) throws Exception {
    MucTraffic traffic = create(prosody, hs);
    try {
      String alias = "#_xmpp_" + ROOM + "_" + ProsodyServer.MUC + ":" + hs.serverName();
      for (int u = 0; u < users; u++) {
        TestUser user = hs.user("user" + u);
        traffic.rooms.add(user.join(alias));
        traffic.users.add(user);
      }
      await().atMost(wait).alias("occupants " + traffic.occupants)
          .until(() -> traffic.occupants.size() >= 2); // carol, the listener
      String warm = "warm";
      traffic.carol.say(traffic.muc, warm);
      hs.awaitEvent(traffic.rooms.get(0), null, e -> e.path("content").path("body").asText().equals(warm), wait);
      // A Matrix user's occupant joins when the user first speaks: each says one line first.
      for (int u = 0; u < users; u++) {
        traffic.users.get(u).send(traffic.rooms.get(u), warm + " " + u);
        Thread.sleep(100);
      }
      await().atMost(wait).until(() -> traffic.occupants.size() >= users + 2
          && traffic.bodies.containsAll(java.util.stream.IntStream.range(0, users).mapToObj(u -> warm + " " + u).toList()));
      return traffic;
    } catch (Exception | Error e) {
      traffic.close();
      throw e;
    }
  }

  /**
   * The same people without the bridge: {@code users} Matrix users in one new public room and the XMPP user in the
   * MUC, bridged by {@link StandInXmpp} (which the caller starts once the room exists: {@code standIn} gets the room
   * id and returns once it is ready), an occupant named {@code standInNick}. Waits until one line crossed each way.
   */
  static MucTraffic standIn(ProsodyServer prosody, TestHomeserver hs, int users, String standInNick,
      Consumer<String> standIn, Duration wait) throws Exception {
    MucTraffic traffic = create(prosody, hs);
    try {
      String room = null;
      for (int u = 0; u < users; u++) {
        TestUser user = hs.user("user" + u);
        room = room == null ? user.createRoom(RoomSpec.publicRoom()) : user.join(room);
        traffic.rooms.add(room);
        traffic.users.add(user);
      }
      standIn.accept(room);
      await().atMost(wait).until(() -> traffic.occupants.contains(standInNick));
      String warm = "warm stand-in";
      traffic.carol.say(traffic.muc, warm);
      hs.awaitEvent(room, null, e -> e.path("content").path("body").asText().equals(warm), wait);
      traffic.users.get(0).send(room, warm + " back");
      await().atMost(wait).until(() -> traffic.bodies.contains(warm + " back"));
      return traffic;
    } catch (Exception | Error e) {
      traffic.close();
      throw e;
    }
  }

  /**
   * Logs the XMPP user in, has it create the MUC and follow its occupants and messages, and times the first
   * arrival of each numbered line on both sides.
   */
  private static MucTraffic create(ProsodyServer prosody, TestHomeserver hs) throws Exception {
    EntityBareJid muc = JidCreate.entityBareFrom(MUC);
    MucTraffic traffic = new MucTraffic(XmppUser.login(prosody, "carol"), muc);
    try {
      traffic.carol.connection.addSyncStanzaListener(s -> {
        if (s instanceof Message m && m.getType() == Message.Type.groupchat && m.getBody() != null) {
          traffic.toXmpp.arrived(m.getBody(), "m2x ");
          traffic.bodies.add(m.getBody());
        } else if (s instanceof Presence p && p.getFrom() != null && muc.equals(p.getFrom().asBareJid())) {
          String nick = p.getFrom().getResourceOrEmpty().toString();
          if (p.getType() == Presence.Type.available) {
            traffic.occupants.add(nick);
          } else {
            traffic.occupants.remove(nick);
          }
        }
      }, s -> true);
      MultiUserChatManager.getInstanceFor(traffic.carol.connection).getMultiUserChat(muc)
          .create(Resourcepart.from("carol")).makeInstant();
      hs.onEvent(e -> traffic.toMatrix.arrived(e.path("content").path("body").asText(), "x2m "));
      return traffic;
    } catch (Exception | Error e) {
      traffic.close();
      throw e;
    }
  }

  /** Message {@code k}: even from a Matrix user (round robin), odd from the XMPP user. */
  void send(long k) {
    if (k % 2 == 0) {
      int u = (int) (k / 2 % users.size());
      toXmpp.sent("m2x " + k);
      users.get(u).send(rooms.get(u), "m2x " + k);
    } else {
      toMatrix.sent("x2m " + k);
      try {
        carol.say(muc, "x2m " + k);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  long pending() {
    return toXmpp.pending() + toMatrix.pending();
  }

  Latencies.Summary toXmpp() {
    return toXmpp.summary();
  }

  Latencies.Summary toMatrix() {
    return toMatrix.summary();
  }

  @Override
  public void close() {
    carol.close();
  }
}
