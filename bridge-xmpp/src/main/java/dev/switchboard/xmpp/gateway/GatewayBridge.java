package dev.switchboard.xmpp.gateway;

import static dev.switchboard.core.failure.Failures.rootCause;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixReaction;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.xmpp.LinkEvents;
import dev.switchboard.xmpp.XmppConfig;
import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.media.MediaFetcher;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.permission.BridgingPolicy;
import dev.switchboard.xmpp.stanza.LogText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaError;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.FullJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gateway mode: Matrix rooms with an alias are MUCs on the component ({@code #dev\3aexample.org@matrix.example.org}),
 * so XMPP users join them with any MUC client. Each XMPP occupant posts in Matrix through its own ghost; Matrix
 * members appear as occupants with their display names as nicks. The room gets a plumbed link (the bridge never
 * deletes or renames it) so its Matrix events reach us. Routes stanzas and events to the parts ({@link GatewayJoins},
 * {@link GatewayMessages}, {@link GatewayToXmpp}, {@link GatewayDisco}) in each room's order.
 */
public final class GatewayBridge implements LinkEvents {
  private static final Logger log = LoggerFactory.getLogger(GatewayBridge.class);
  public static final String GATEWAY_IDENTITY_TYPE = "matrix";

  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final GatewayJids jids;
  private final XmppGhostIds ghostIds;
  private final GatewayInteractions interactions;
  private final GatewayAccess access;
  /** Occupants in the store, so they are still in after a restart (issue 15). */
  private final GatewayOccupants stored;
  private final GatewayRooms rooms;
  private final GatewayMembers members;
  private final GatewayJoins joins;
  private final GatewayMessages messages;
  private final GatewayToXmpp toXmpp;
  private final GatewayDisco disco;
  /** Stanzas to a room whose alias is still being resolved, chained in arrival order. */
  private final Map<EntityBareJid, CompletableFuture<Void>> arrivals = new ConcurrentHashMap<>();

  public GatewayBridge(XmppConfig config, ConnectorContext context, ComponentConnection connection,
      MediaFetcher fetcher, XmppGhostIds ghostIds, MessageMap messageMap) {
    this.context = context;
    this.connection = connection;
    String domain = config.component().domain();
    this.jids = new GatewayJids(domain);
    this.ghostIds = ghostIds;
    this.interactions = new GatewayInteractions(context, connection, ghostIds);
    XmppMediaLinks mediaLinks = new XmppMediaLinks(context.mediaLinks());
    /* Permission levels: who shows as an occupant, relay users' lines, which rooms XMPP users may enter. */
    GatewayRelay relays = new GatewayRelay(context, new BridgingPolicy(context, ghostIds), connection, mediaLinks);
    this.access = new GatewayAccess(context, connection, ghostIds);
    this.stored = new GatewayOccupants(context.database());
    this.rooms = new GatewayRooms(context.intents().bot(), jids, access::serves, context.blockingExecutor());
    this.members = new GatewayMembers(context, connection, ghostIds, relays, stored);
    this.joins = new GatewayJoins(context, connection, ghostIds, members, relays, access, stored);
    this.messages = new GatewayMessages(context, connection, joins, interactions, fetcher, messageMap);
    this.toXmpp = new GatewayToXmpp(context, connection, members, relays, interactions, mediaLinks);
    this.disco = new GatewayDisco(context, connection, domain, rooms,
        new RoomDirectory(context.intents().bot(), jids), new MamArchive(connection, relays));
  }

  /** True for links this class owns: a remote id that is a gateway room on our component. */
  public boolean owns(Link link) {
    try {
      return jids.isGatewayRoom(JidCreate.from(link.remoteId()));
    } catch (XmppStringprepException e) {
      return false;
    }
  }

  /** True for stanzas this class answers: those to a gateway room, and IQs to the component itself. */
  public boolean handles(Stanza stanza) {
    Jid to = stanza.getTo();
    if (to == null) {
      return false;
    }
    if (jids.isGatewayRoom(to)) {
      return true;
    }
    return stanza instanceof IQ iq && disco.handles(iq);
  }

  /**
   * At start, before the component stream: the occupants the last run had. Their clients still think they are in
   * (a crash or restart tells them nothing), so they are sent nothing: what they say is bridged from the same ghost,
   * their XEP-0410 self-pings are answered as joined, and Matrix events reach them again. Stanzas to a room wait
   * until its occupants and members are back. A row whose alias no longer names the same room (or is no longer
   * served) is dropped.
   */
  public void restore() {
    Map<String, List<GatewayOccupants.Row>> byRoom = new LinkedHashMap<>();
    for (GatewayOccupants.Row row : stored.all()) {
      byRoom.computeIfAbsent(row.roomJid(), k -> new ArrayList<>()).add(row);
    }
    byRoom.forEach((roomJid, rows) -> {
      EntityBareJid jid;
      try {
        jid = JidCreate.entityBareFrom(roomJid);
      } catch (XmppStringprepException e) {
        stored.removeRoom(roomJid);
        return;
      }
      Optional<RoomAlias> alias = jids.aliasOf(jid);
      if (alias.isEmpty() || !access.serves(alias.get())) {
        stored.removeRoom(roomJid);
        return;
      }
      rooms.restoring(jid, context.intents().bot().resolveAlias(alias.get())
          .thenComposeAsync(id -> id.map(roomId -> restoreRoom(new GatewayRoom(jid, alias.get(), roomId), rows))
              .orElseGet(() -> {
                stored.removeRoom(roomJid); // the alias is gone: so is the room its occupants were in
                return CompletableFuture.completedFuture(Optional.empty());
              }), context.blockingExecutor())
          .exceptionally(e -> {
            log.warn("Gateway room {}: its occupants were not restored: {}", roomJid, LogText.of(rootCause(e)));
            return Optional.empty();
          }));
    });
  }

  private CompletableFuture<Optional<GatewayRoom>> restoreRoom(GatewayRoom room, List<GatewayOccupants.Row> rows) {
    for (GatewayOccupants.Row row : rows) {
      try {
        if (!row.roomId().equals(room.roomId.value())) {
          throw new IllegalArgumentException("the alias names another room now");
        }
        FullJid real = JidCreate.fullFrom(row.realJid());
        room.occupants.put(real, new GatewayRoom.Occupant(row.nick(), ghostIds.ghostOf(real.asBareJid())));
      } catch (XmppStringprepException | IllegalArgumentException e) {
        log.info("Not restoring {} in gateway room {}: {}", LogText.of(row.realJid()), room.alias,
            LogText.of(e.getMessage()));
        stored.remove(row.roomJid(), row.realJid());
      }
    }
    if (room.occupants.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.of(room));
    }
    UserId asker = room.occupants.values().iterator().next().ghost;
    return members.load(room, context.intents().ghost(asker)).handle((v, e) -> {
      if (e != null) {
        log.warn("Gateway room {}: members not loaded at start ({}); they load at the next join", room.alias,
            LogText.of(rootCause(e)));
      }
      log.info("Gateway room {}: {} occupant(s) restored", room.alias, room.occupants.size());
      return Optional.of(room);
    });
  }

  /** The component stream was lost: the XMPP server told its users they left our rooms (or will, on timeout). */
  public void onDisconnected() {
    for (GatewayRoom room : rooms.resolved()) {
      rooms.inOrder(room, () -> {
        List<GatewayRoom.Occupant> gone = new ArrayList<>(room.occupants.values());
        room.occupants.clear();
        stored.removeRoom(room.jid.toString());
        return CompletableFuture.allOf(gone.stream().map(o -> o.ghost).distinct()
            .map(g -> context.intents().ghost(g).leave(room.roomId).exceptionally(e -> null))
            .toArray(CompletableFuture[]::new));
      });
    }
  }

  // ---- XMPP -> gateway

  public void onStanza(Stanza stanza) {
    try {
      if (stanza instanceof IQ iq) {
        disco.answer(iq, jids.isGatewayRoom(iq.getTo()));
        return;
      }
      EntityBareJid roomJid = stanza.getTo().asEntityBareJidIfPossible();
      if (roomJid == null || stanza.getFrom() == null || !(stanza.getFrom() instanceof FullJid from)) {
        return;
      }
      // Resolving a new room's alias is asynchronous: later stanzas to the same room wait behind it, in order.
      arrivals.compute(roomJid, (j, prev) -> (prev == null ? done() : prev)
          .thenCompose(v -> rooms.room(roomJid))
          .thenAccept(room -> route(roomJid, from, stanza, room))
          .exceptionally(e -> {
            log.warn("Gateway {}: {} from {} failed: {}", roomJid, stanza.getClass().getSimpleName(),
                LogText.of(from), LogText.of(rootCause(e)));
            return null;
          }))
          .whenComplete((v, e) -> arrivals.computeIfPresent(roomJid, (j, f) -> f.isDone() ? null : f));
    } catch (RuntimeException e) {
      log.warn("Failed to handle {} to {}: {}", stanza.getClass().getSimpleName(), LogText.of(stanza.getTo()),
          LogText.of(e), e);
    }
  }

  private void route(EntityBareJid roomJid, FullJid from, Stanza stanza, Optional<GatewayRoom> room) {
    if (room.isEmpty()) {
      if (stanza instanceof Presence p && p.getType() == Presence.Type.available) {
        connection.send(GatewayStanzas.joinError(p, StanzaError.Condition.item_not_found,
            access.notFound(jids.aliasOf(roomJid))));
      } else if (stanza instanceof Message m && m.getType() != Message.Type.error) {
        connection.send(GatewayStanzas.messageError(m, StanzaError.Condition.item_not_found, "No such room"));
      }
      return;
    }
    GatewayRoom r = room.get();
    if (stanza instanceof Presence presence) {
      rooms.inOrder(r, () -> joins.onPresence(r, from, presence));
    } else if (stanza instanceof Message message) {
      rooms.inOrder(r, () -> messages.onMessage(r, from, message));
    }
  }

  // ---- Matrix -> gateway

  // Matrix events in a room with a gateway link: relayed to the room's XMPP occupants (each member shown by their
  // permission level).

  @Override
  public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return inRoom(link, room -> toXmpp.onMessage(room, message));
  }

  @Override
  public CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return inRoom(link, room -> toXmpp.onEdit(room, edit));
  }

  @Override
  public CompletableFuture<Void> onReaction(MatrixReaction reaction, Link link) {
    return inRoom(link, room -> toXmpp.onReaction(room, reaction));
  }

  @Override
  public CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    return inRoom(link, room -> toXmpp.onRedaction(room, redaction));
  }

  @Override
  public CompletableFuture<Void> onMembership(MembershipChange change, Link link) {
    return inRoom(link, room -> toXmpp.onMembership(room, change));
  }

  @Override
  public CompletableFuture<Void> onRoomState(RoomStateChange change, Link link) {
    return inRoom(link, room -> toXmpp.onRoomState(room, change));
  }

  /**
   * Runs {@code relay} in the lane of the link's room; done when the room's stanzas for it are written to the
   * component stream.
   */
  private CompletableFuture<Void> inRoom(Link link, Function<GatewayRoom, CompletableFuture<Void>> relay) {
    EntityBareJid jid;
    try {
      jid = JidCreate.entityBareFrom(link.remoteId());
    } catch (XmppStringprepException e) {
      return done();
    }
    return rooms.room(jid).thenCompose(room -> room.map(r -> rooms.inOrderResult(r, () -> relay.apply(r)))
        .orElseGet(GatewayBridge::done));
  }

  /** Typing and read receipts in a room with a gateway link: chat states and markers for its XMPP occupants. */
  public CompletableFuture<Void> onEphemeral(JsonNode event, Link link) {
    EntityBareJid jid;
    try {
      jid = JidCreate.entityBareFrom(link.remoteId());
    } catch (XmppStringprepException e) {
      return done();
    }
    return rooms.room(jid).thenAccept(room -> room.filter(r -> r.membersLoaded && !r.occupants.isEmpty())
        .ifPresent(r -> rooms.inOrder(r, () -> interactions.onEphemeral(r, event))));
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
