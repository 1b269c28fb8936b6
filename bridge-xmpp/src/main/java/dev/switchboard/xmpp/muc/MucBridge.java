package dev.switchboard.xmpp.muc;

import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.HubSettings;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.LinkedRoomAliases;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.xmpp.LinkEvents;
import dev.switchboard.xmpp.XmppConfig;
import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.address.MatrixUserJids;
import dev.switchboard.xmpp.address.MucAliases;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.stanza.LogText;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaError;
import org.jxmpp.jid.BareJid;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.FullJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MUC portals: creates them from alias queries, keeps one listening occupant per MUC, and moves messages, joins,
 * leaves and subjects between the MUC and its Matrix room. Wires the parts ({@link MucPortals},
 * {@link MucToMatrix}, {@link MatrixToMuc}, {@link MucSelfPing}, {@link MucDisco}) and is what the rest of the
 * connector sees of them.
 *
 * <p>Matrix members join the MUC with their own occupant only when they first speak: every join is broadcast to
 * every occupant, so members who never speak would cost the most presence traffic.
 */
public final class MucBridge implements LinkEvents {
  private static final Logger log = LoggerFactory.getLogger(MucBridge.class);

  private final ComponentConnection connection;
  private final MucRooms rooms;
  private final MucEvents events;
  /** Matrix messages done when the MUC reflects them, not when written (issue 15). */
  private final Reflections reflections;
  private final MucDisco disco;
  private final MucPortals portals;
  private final MucToMatrix toMatrix;
  private final MatrixToMuc toMuc;
  private final MucSelfPing selfPing;
  private final OccupantCopies copies;
  private final List<MessageHook> hooks = new CopyOnWriteArrayList<>();

  public MucBridge(XmppConfig config, ConnectorContext context, ComponentConnection connection,
      XmppGhostIds ghostIds, MucAliases aliases, MessageMap messageMap) {
    this.connection = connection;
    String domain = config.component().domain();
    HubSettings hub = config.hub();
    this.rooms = new MucRooms(domain, config.listenerNick(), context.blockingExecutor());
    this.events = new MucEvents(rooms, messageMap, context.blockingExecutor());
    this.reflections = new Reflections(context.scheduler(), context.blockingExecutor(), Reflections.TIMEOUT);
    MucMarks marks = new MucMarks(context);
    MucListener listener = new MucListener(rooms, marks, connection, context.scheduler(),
        config.component().iqTimeout(), context.blockingExecutor());
    MucOccupants occupants = new MucOccupants(context, rooms, connection, ghostIds, hub,
        config.component().iqTimeout());
    MucReplies replies = new MucReplies(messageMap, context.blockingExecutor(), context.intents().bot(),
        context.serverName(), (room, user) -> occupants.nickOf(room.roomId, user));
    this.disco = new MucDisco(connection, rooms.listenerJid().asDomainBareJid(), config.discoTimeout());
    this.portals = new MucPortals(context, rooms, listener, marks, disco, connection,
        aliases, new LinkedRoomAliases(context.portals(), "xmpp", config.portalAliases()),
        ghostIds, domain);
    this.toMatrix = new MucToMatrix(context, rooms, new MucGhosts(context, ghostIds), occupants, listener, events,
        replies, marks, new MucCatchUp(connection, rooms.listenerJid()), hooks);
    this.toMuc = new MatrixToMuc(context, rooms, occupants, listener, events, replies, reflections, connection,
        ghostIds, hub, new XmppMediaLinks(context.mediaLinks()));
    this.selfPing = new MucSelfPing(rooms, listener, connection, config.selfPingInterval());
    this.copies = new OccupantCopies(new MatrixUserJids(domain), new GatewayJids(domain), reflections);
  }

  /**
   * Whether the start tag of a raw element from the stream is that of a MUC's copy of a groupchat message for one of
   * our users' occupants that nothing reads (see {@link OccupantCopies}): the connection then drops it unread. Any
   * thread.
   */
  public boolean isUnneededCopy(String startTag) {
    return copies.unneeded(startTag);
  }

  /**
   * A feature kept in its own class (reactions, chat states, markers) that takes some MUC messages from others before
   * the text path sees them.
   */
  public interface MessageHook {
    /** The work to run, in the room's order, for a message this hook takes; empty to leave it to others. */
    Optional<Supplier<CompletableFuture<?>>> onMucMessage(RoomId room, EntityBareJid muc, UserId sender,
        Message message);
  }

  public void addMessageHook(MessageHook hook) {
    hooks.add(hook);
  }

  /** Loads the portals of earlier runs; their listeners join once the component is connected. */
  public void restore() {
    portals.restore();
  }

  // ---- component events (callback executor, in stream order)

  public void onReady() {
    portals.onReady();
  }

  public void onDisconnected() {
    reflections.onDisconnected();
    for (MucRoom room : rooms.all()) {
      room.listenerJoined = false;
      // The MUC forgot our occupants with the stream; they rejoin when their users next speak.
      room.matrixOccupants.values().forEach(o -> o.joined.completeExceptionally(
          new ComponentConnection.DisconnectedException("component stream lost")));
      room.matrixOccupants.clear();
    }
  }

  public void onStanza(Stanza stanza) {
    try {
      if (stanza instanceof IQ iq) {
        answerIq(iq);
        return;
      }
      if (stanza instanceof Message message) {
        reflections.onMessage(message); // before the catch-up may hold it back: the sender waits for it
      }
      toMatrix.onStanza(stanza);
    } catch (RuntimeException e) {
      log.warn("Failed to handle {} from {}: {}", stanza.getClass().getSimpleName(), LogText.of(stanza.getFrom()),
          LogText.of(e), e);
    }
  }

  /** IQs to the component that no other part answers: pings get a result, the rest service-unavailable. */
  private void answerIq(IQ iq) {
    if (iq.getType() != IQ.Type.get && iq.getType() != IQ.Type.set) {
      return;
    }
    if ("urn:xmpp:ping".equals(iq.getChildElementNamespace())) {
      connection.send(IQ.createResultIQ(iq));
    } else {
      connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.service_unavailable));
    }
  }

  // ---- portals

  /** See {@code Connector.onAliasQuery}: disco#info the MUC (briefly), create the room, link it, answer. */
  public CompletableFuture<Optional<RoomId>> onAliasQuery(RoomAlias alias) {
    return portals.onAliasQuery(alias);
  }

  /**
   * Plumbing: asks the MUC's disco#info with the full IQ timeout and completes with why it cannot be bridged, or empty
   * when it is a MUC.
   */
  public CompletableFuture<Optional<String>> whyNotAMuc(EntityBareJid muc) {
    return disco.whyNotAMuc(muc);
  }

  /** Whether {@code link} is a MUC portal that waits for a user before the bridge joins the MUC (issue 16). */
  public boolean isDormant(Link link) {
    return portals.isDormant(link);
  }

  /**
   * Wakes a dormant portal (someone at level {@code user} is in its room): the listener joins the MUC. Completes once
   * it is in (or after the IQ timeout), so the waking event goes out with the listener there to hear the reflection.
   */
  public CompletableFuture<Void> wake(Link link) {
    return portals.wake(link);
  }

  /** Plumbing: starts bridging {@code muc} into {@code room} (the link is already stored); the listener joins. */
  public void startBridging(RoomId room, EntityBareJid muc) {
    portals.startBridging(room, muc);
  }

  /**
   * Unplumbing: the listener and our users' occupants leave the MUC, and every XMPP ghost leaves the Matrix room
   * (those this run knows, and any other of our ghosts still joined).
   */
  public CompletableFuture<Void> stopBridging(EntityBareJid muc) {
    return portals.stopBridging(muc);
  }

  /** For the MUC gauges: how many bridged MUCs the listener is in, and how many Matrix users are occupants. */
  public int joinedMucs() {
    return (int) rooms.all().stream().filter(r -> r.listenerJoined).count();
  }

  public int joinedMatrixOccupants() {
    return rooms.all().stream().mapToInt(r -> (int) r.matrixOccupants.values().stream()
        .filter(MucRoom.MatrixOccupant::isJoined).count()).sum();
  }

  /** True when {@code jid} is a MUC this bridge listens in. */
  public boolean isBridged(BareJid jid) {
    EntityBareJid muc = jid.asEntityBareJidIfPossible();
    return muc != null && rooms.get(muc) != null;
  }

  // ---- Matrix -> XMPP

  // A Matrix event in a room linked to a MUC. A message (text, edit, reply, media, retraction) completes once the
  // MUC reflects it back to our occupant, other stanzas (a subject) once written to the component stream; fails with
  // RemoteUnavailableException while the stream is down or when no reflection comes, so the dispatcher holds it.

  @Override
  public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return toMuc.onMessage(message, link);
  }

  @Override
  public CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return toMuc.onEdit(edit, link);
  }

  @Override
  public CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    return toMuc.onRedaction(redaction, link);
  }

  @Override
  public CompletableFuture<Void> onMembership(MembershipChange change, Link link) {
    return toMuc.onMembership(change, link);
  }

  @Override
  public CompletableFuture<Void> onRoomState(RoomStateChange change, Link link) {
    return toMuc.onRoomState(change, link);
  }

  /**
   * Sends a stanza as {@code user}'s occupant in the MUC of {@code link}, joining it first (as a message would);
   * {@code id} is remembered as ours so the MUC's reflection is not bridged back.
   */
  public CompletableFuture<Void> sendAsOccupant(Link link, UserId user, String id, EventId event,
      Function<FullJid, Message> stanza) {
    return toMuc.sendAsOccupant(link, user, id, event, stanza);
  }

  /** Sends as {@code user}'s occupant only if it is in the MUC already (typing and read markers never join). */
  public boolean sendIfJoined(Link link, UserId user, Function<FullJid, Message> stanza) {
    return toMuc.sendIfJoined(link, user, stanza);
  }

  /**
   * Sends a stanza as the bridge's listener occupant in the MUC of {@code link} (relay mode, xmpp.relay.MucRelay);
   * {@code id} is remembered as ours, so the reflection's stanza-id goes into the message map for {@code event}.
   * While the listener is not (yet, or again after an outage) in the MUC, the stanza waits for it: the MUC would
   * refuse a message from a non-occupant.
   */
  public CompletableFuture<Void> sendAsListener(Link link, String id, EventId event,
      Function<FullJid, Message> stanza) {
    return toMuc.sendAsListener(link, id, event, stanza);
  }

  /**
   * {@link #sendAsListener} for a relayed reply to {@code target}: {@code stanza} gets the sender and the quote of
   * the original (XEP-0461 fallback, naming its author as the MUC knows them), and the reply reference is added.
   */
  public CompletableFuture<Void> sendReplyAsListener(Link link, String id, MatrixEvent event, EventId target,
      BiFunction<FullJid, String, Message> stanza) {
    return toMuc.sendReplyAsListener(link, id, event, target, stanza);
  }

  /**
   * The Matrix event of a MUC stanza-id (reactions, markers): a message still being sent is waited for, else the
   * message map (read off the caller's thread).
   */
  CompletableFuture<Optional<EventId>> eventOfStanzaId(EntityBareJid muc, String sid) {
    return events.ofStanzaId(muc, sid);
  }

  // ---- XEP-0410 self-ping

  /** See {@link MucSelfPing}. */
  public void startSelfPing(ScheduledExecutorService scheduler) {
    selfPing.start(scheduler);
  }

  public void stopSelfPing() {
    selfPing.stop();
  }
}
