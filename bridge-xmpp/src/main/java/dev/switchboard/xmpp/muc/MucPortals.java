package dev.switchboard.xmpp.muc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.portal.LinkedRoomAliases;
import dev.switchboard.xmpp.address.MucAliases;
import dev.switchboard.xmpp.XmppBridgeInfo;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MUC portals' life: created from alias queries (dormant until a user is in the room, issue 16), restored at start,
 * started and stopped by admins' links, woken by the first user.
 */
final class MucPortals {
  private static final Logger log = LoggerFactory.getLogger(MucPortals.class);
  private static final String PROTOCOL = "xmpp";

  private final ConnectorContext context;
  private final MucRooms rooms;
  private final MucListener listener;
  private final MucMarks marks;
  private final MucDisco disco;
  private final DormantMucs dormant;
  private final ComponentConnection connection;
  private final MucAliases aliases;
  private final LinkedRoomAliases linkedAliases;
  private final XmppGhostIds ghostIds;
  private final String domain;
  private final Executor blocking;
  private final Map<RoomAlias, CompletableFuture<Optional<RoomId>>> creating = new ConcurrentHashMap<>();

  MucPortals(ConnectorContext context, MucRooms rooms, MucListener listener, MucMarks marks, MucDisco disco,
      ComponentConnection connection, MucAliases aliases, LinkedRoomAliases linkedAliases, XmppGhostIds ghostIds,
      String domain) {
    this.context = context;
    this.rooms = rooms;
    this.listener = listener;
    this.marks = marks;
    this.disco = disco;
    this.connection = connection;
    this.aliases = aliases;
    this.linkedAliases = linkedAliases;
    this.ghostIds = ghostIds;
    this.domain = domain;
    this.blocking = context.blockingExecutor();
    this.dormant = new DormantMucs(new dev.switchboard.core.store.KvStore(context.database(), context.clock()),
        blocking);
  }

  /** Loads the portals of earlier runs; their listeners join once the component is connected. */
  void restore() {
    for (Link link : context.portals().linksOfProtocol(PROTOCOL)) {
      if (link.remoteId().startsWith("chat:")) {
        continue; // a direct chat (chat.DirectChats)
      }
      try {
        EntityBareJid muc = JidCreate.entityBareFrom(link.remoteId());
        if (muc.getDomain().toString().equals(domain)) {
          continue; // a gateway room on our own component, not a MUC elsewhere
        }
        rooms.put(muc, link.roomId());
      } catch (XmppStringprepException e) {
        log.warn("Ignoring XMPP link of {} to '{}': not a MUC address", link.roomId(), link.remoteId());
      }
    }
    dormant.load(rooms.mucs());
  }

  /** The component stream is up: every listener not waiting for a user joins its MUC. */
  void onReady() {
    for (MucRoom room : rooms.all()) {
      if (!dormant.isDormant(room.muc)) {
        listener.join(room);
      }
    }
  }

  /** See {@code Connector.onAliasQuery}: disco#info the MUC (briefly), create the room, link it, answer. */
  CompletableFuture<Optional<RoomId>> onAliasQuery(RoomAlias alias) {
    Optional<EntityBareJid> muc = aliases.mucOf(alias);
    if (muc.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    // One creation per alias while it is pending. Not computeIfAbsent: the answer may complete at once (an existing
    // room), and removing the entry from inside computeIfAbsent's function throws "Recursive update".
    CompletableFuture<Optional<RoomId>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<RoomId>> pending = creating.putIfAbsent(alias, mine);
    if (pending != null) {
      return pending;
    }
    createPortal(alias, muc.get()).whenComplete((room, err) -> {
      creating.remove(alias, mine);
      if (err != null) {
        mine.completeExceptionally(err);
      } else {
        mine.complete(room);
      }
    });
    return mine;
  }

  private CompletableFuture<Optional<RoomId>> createPortal(RoomAlias alias, EntityBareJid muc) {
    // An existing portal; or a MUC already linked (e.g. by !link into a hub room, where xmpp.hub.portal_aliases
    // allows it): the alias joins that room. Otherwise a new portal.
    return linkedAliases.resolve(alias, muc.toString(), context.intents().bot(), blocking,
        () -> disco.info(muc).thenCompose(info -> {
            if (info.isPresent() && !info.get().exists()) {
              log.info("Alias {}: {} is not a MUC ({})", alias, muc, info.get().why());
              return CompletableFuture.completedFuture(Optional.<RoomId>empty());
            }
            String name = info.flatMap(MucDisco.MucInfo::name).orElse(muc.getLocalpart().toString());
            return context.intents().bot().createRoom(createRoomRequest(alias, muc, name))
                .thenApplyAsync(room -> {
                  dormant.add(muc); // the listener joins once a user is in the room (issue 16)
                  context.portals().createPortal(room, alias, List.of(new Link(room, PROTOCOL, muc.toString(), false)));
                  marks.remember(muc, room);
                  rooms.put(muc, room);
                  log.info("Portal {} for MUC {} created as {}; the bridge joins the MUC once a user is in it",
                      alias, muc, room);
                  return Optional.of(room);
                }, blocking);
          }));
  }

  private ObjectNode createRoomRequest(RoomAlias alias, EntityBareJid muc, String name) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode req = f.objectNode();
    req.put("room_alias_name", alias.localpart());
    req.put("name", name);
    req.put("preset", "public_chat");
    req.put("visibility", "private");
    return XmppBridgeInfo.muc(context.intents().bot().userId(), muc, name).addTo(req);
  }

  /** See {@link MucBridge#isDormant}. */
  boolean isDormant(Link link) {
    try {
      return dormant.isDormant(JidCreate.entityBareFrom(link.remoteId()));
    } catch (XmppStringprepException e) {
      return false;
    }
  }

  /** See {@link MucBridge#wake}. */
  CompletableFuture<Void> wake(Link link) {
    Optional<MucRoom> room = rooms.of(link);
    if (room.isEmpty() || !dormant.remove(room.get().muc)) {
      return CompletableFuture.completedFuture(null);
    }
    log.info("Portal for {} woken: a user is in its room", room.get().muc);
    if (connection.state() == ComponentConnection.State.READY) {
      listener.join(room.get()); // otherwise onReady joins it
    }
    return listener.in(room.get());
  }

  /** See {@link MucBridge#startBridging}. */
  void startBridging(RoomId room, EntityBareJid muc) {
    dormant.remove(muc); // an admin's link is active at once
    marks.remember(muc, room);
    listener.join(rooms.put(muc, room));
  }

  /** See {@link MucBridge#stopBridging}. */
  CompletableFuture<Void> stopBridging(EntityBareJid muc) {
    MucRoom room = rooms.remove(muc);
    dormant.remove(muc); // a later link of the MUC starts afresh
    if (room == null) {
      return CompletableFuture.completedFuture(null);
    }
    MucStanzas.occupant(muc, room.listenerNick)
        .ifPresent(o -> connection.send(MucStanzas.leave(rooms.listenerJid(), o)));
    room.matrixOccupants.forEach((user, o) -> MucStanzas.occupant(muc, o.nick)
        .ifPresent(occ -> connection.send(MucStanzas.leave(rooms.fullJidOf(user), occ))));
    room.matrixOccupants.clear();
    return context.intents().bot().joinedMembers(room.roomId)
        .handle((members, err) -> err == null ? members.keySet() : Set.copyOf(room.ghostByNick.values()))
        .thenCompose(members -> CompletableFuture.allOf(members.stream().filter(ghostIds::isGhost)
            .map(g -> context.intents().ghost(g).leave(room.roomId).exceptionally(e -> null))
            .toArray(CompletableFuture[]::new)));
  }
}
