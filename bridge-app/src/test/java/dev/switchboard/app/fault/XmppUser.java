package dev.switchboard.app.fault;

import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.muc.packet.MUCInitialPresence;
import org.jivesoftware.smackx.ping.packet.Ping;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;

/**
 * A real XMPP user on the test Prosody (Smack over c2s, no TLS) that records, in stream order, the groupchat messages
 * it gets: live ones apart from history (delay-stamped) ones, as a client shows them.
 */
public final class XmppUser implements AutoCloseable {
  public final XMPPTCPConnection connection;
  /** Live groupchat messages (no delay stamp), in arrival order. */
  final List<Message> live = new CopyOnWriteArrayList<>();
  /** What this user said, by stanza id. */
  private final java.util.Map<String, String> said = new java.util.concurrent.ConcurrentHashMap<>();
  /** Presences, in arrival order. */
  final List<Presence> presences = new CopyOnWriteArrayList<>();
  /** History groupchat messages (delay-stamped, sent on join), in arrival order. */
  final List<Message> history = new CopyOnWriteArrayList<>();
  /** Live and history groupchat messages together, in arrival order. */
  private final List<Message> arrivals = new CopyOnWriteArrayList<>();
  /** Message errors, as a client would show "not delivered". */
  final List<Message> errors = new CopyOnWriteArrayList<>();

  private XmppUser(XMPPTCPConnection connection) {
    this.connection = connection;
  }

  /** Creates {@code user@localhost} and logs in. */
  public static XmppUser login(ProsodyServer prosody, String user) throws Exception {
    prosody.createUser(user, "pw-" + user);
    return loginExisting(prosody, user);
  }

  /** Logs in as {@code user@localhost}, whose account exists (e.g. again after a server restart). */
  static XmppUser loginExisting(ProsodyServer prosody, String user) throws Exception {
    XMPPTCPConnection c = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
        .setXmppDomain(ProsodyServer.HOST).setHost("127.0.0.1").setPort(prosody.c2sPort())
        .setUsernameAndPassword(user, "pw-" + user).setResource("test")
        .setSecurityMode(SecurityMode.disabled).build());
    XmppUser u = new XmppUser(c);
    // Synchronous: listeners run one at a time in stream order (async ones may run concurrently, out of order).
    c.addSyncStanzaListener(u::onStanza, s -> s instanceof Message);
    c.addSyncStanzaListener(s -> u.presences.add((Presence) s), s -> s instanceof Presence);
    c.connect().login();
    return u;
  }

  private void onStanza(Stanza s) {
    Message m = (Message) s;
    if (m.getType() == Message.Type.error) {
      errors.add(m);
    } else if (m.getType() == Message.Type.groupchat && m.getBody() != null) {
      (DelayInformation.from(m) == null ? live : history).add(m);
      arrivals.add(m);
    }
  }

  /** The bodies of live groupchat messages from {@code room} by an occupant other than {@code exceptNick}. */
  List<String> bodiesFrom(EntityBareJid room, String exceptNick) {
    return live.stream().filter(m -> m.getFrom() != null && m.getFrom().asBareJid().equals(room)
            && !exceptNick.equals(m.getFrom().getResourceOrEmpty().toString()))
        .map(Message::getBody).toList();
  }

  /**
   * Joins (or joins again) the MUC as {@code occupant} asking for no history, with a raw XEP-0045 presence: Smack's
   * MultiUserChat would refuse a second join it thinks is still current.
   */
  void joinMuc(EntityFullJid occupant) throws Exception {
    joinMuc(occupant, 0);
  }

  /** As {@link #joinMuc(EntityFullJid)}, asking for the last {@code historyMessages} messages. */
  void joinMuc(EntityFullJid occupant, int historyMessages) throws Exception {
    connection.sendStanza(connection.getStanzaFactory().buildPresenceStanza().to(occupant)
        .addExtension(new MUCInitialPresence(null, -1, historyMessages, -1, null)).build());
  }

  /** The id the MUC {@code room} gave a message (XEP-0359 {@code stanza-id by=room}), or null. */
  static String stanzaId(Message m, EntityBareJid room) {
    return m.getExtensions("stanza-id", "urn:xmpp:sid:0").stream()
        .filter(e -> e instanceof StandardExtensionElement)
        .map(e -> (StandardExtensionElement) e)
        .filter(e -> room.toString().equals(e.getAttributeValue("by")))
        .map(e -> e.getAttributeValue("id")).findFirst().orElse(null);
  }

  /** Whether the MUC sent this user its own presence as {@code occupant} (status 110). */
  boolean joined(EntityFullJid occupant) {
    return presences.stream().anyMatch(p -> occupant.equals(p.getFrom()) && p.getType() == Presence.Type.available
        && MUCUser.from(p) != null && MUCUser.from(p).getStatus().contains(MUCUser.Status.PRESENCE_TO_SELF_110));
  }

  /** Whether {@code occupant}'s latest presence this user got says it is in the room. */
  boolean sees(EntityFullJid occupant) {
    Presence last = null;
    for (Presence p : presences) {
      if (occupant.equals(p.getFrom())) {
        last = p;
      }
    }
    return last != null && last.getType() == Presence.Type.available;
  }

  /**
   * XEP-0410 self-ping: whether {@code occupant} is still in its room as the room sees it. An error other than those
   * the XEP reads as "joined but the ping was not understood" means not joined.
   */
  boolean stillJoined(EntityFullJid occupant) throws Exception {
    Ping ping = new Ping(occupant);
    try {
      connection.createStanzaCollectorAndSend(ping).nextResultOrThrow();
      return true;
    } catch (XMPPException.XMPPErrorException e) {
      StanzaError.Condition c = e.getStanzaError().getCondition();
      return c == StanzaError.Condition.service_unavailable || c == StanzaError.Condition.feature_not_implemented;
    }
  }

  /**
   * The groupchat messages of {@code room} from occupants other than {@code exceptNick}, as a client shows them over
   * rejoins: join history whose XEP-0359 stanza-id was not shown yet, in place, then live messages.
   */
  List<String> shown(EntityBareJid room, String exceptNick) {
    List<String> out = new java.util.ArrayList<>();
    java.util.Set<String> ids = new java.util.HashSet<>();
    List<Message> all = new java.util.ArrayList<>(arrivals);
    for (Message m : all) {
      if (m.getFrom() == null || !m.getFrom().asBareJid().equals(room)
          || exceptNick.equals(m.getFrom().getResourceOrEmpty().toString())) {
        continue;
      }
      String id = stanzaId(m, room);
      boolean fromHistory = DelayInformation.from(m) != null;
      if (id == null ? !fromHistory : ids.add(id)) {
        out.add(m.getBody());
      }
    }
    return out;
  }


  /** Sends a groupchat message to {@code room}. */
  public void say(EntityBareJid room, String body) throws Exception {
    Message m = connection.getStanzaFactory().buildMessageStanza().to(room).ofType(Message.Type.groupchat)
        .setBody(body).build();
    said.put(m.getStanzaId(), body);
    connection.sendStanza(m);
  }

  /** The bodies of this user's messages that came back as errors (matched by stanza id: bounces may omit the body). */
  List<String> bounced() {
    return errors.stream().map(e -> said.get(e.getStanzaId())).filter(b -> b != null).distinct().toList();
  }

  @Override
  public void close() {
    connection.disconnect();
  }
}
