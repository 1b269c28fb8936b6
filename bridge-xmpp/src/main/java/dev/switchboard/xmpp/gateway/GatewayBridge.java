package dev.switchboard.xmpp.gateway;

import dev.switchboard.xmpp.stanza.LogText;
import static dev.switchboard.core.failure.Failures.rootCause;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.xmpp.XmppConfig;
import dev.switchboard.xmpp.address.GatewayJids;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.format.MatrixHtml;
import dev.switchboard.xmpp.format.XmppFormatting;
import dev.switchboard.xmpp.media.MediaLinks;
import dev.switchboard.xmpp.stanza.StanzaIds;
import dev.switchboard.xmpp.stanza.XmlText;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.jivesoftware.smackx.disco.packet.DiscoverItems;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jivesoftware.smackx.xhtmlim.packet.XHTMLExtension;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
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
 * deletes or renames it) so its Matrix events reach us.
 */
public final class GatewayBridge {
  private static final Logger log = LoggerFactory.getLogger(GatewayBridge.class);
  private static final String PROTOCOL = "xmpp";
  /** History on join when the client does not say how much (XEP-0045 leaves the default to the service). */
  private static final int DEFAULT_HISTORY = 20;
  private static final int MAX_HISTORY = 100;
  public static final String GATEWAY_IDENTITY_TYPE = "matrix";
  private static final String PING_NS = "urn:xmpp:ping";
  /** Errors on a message to an occupant that mean its client is no longer there (RFC 6121 § 8.5.3.2.1). */
  private static final java.util.Set<StanzaError.Condition> GONE = java.util.EnumSet.of(
      StanzaError.Condition.service_unavailable, StanzaError.Condition.recipient_unavailable,
      StanzaError.Condition.item_not_found, StanzaError.Condition.gone);

  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final String domain;
  private final GatewayJids jids;
  private final XmppGhostIds ghostIds;
  private final MessageMapStore messageMap;
  private final Executor blocking;
  private final MamArchive archive;
  private final MediaLinks mediaLinks;
  private final GatewayInteractions interactions;
  private final ConnectorMeters meters;
  private final RoomDirectory directory;
  private final dev.switchboard.xmpp.media.MediaFetcher fetcher;
  /** Permission levels: who shows as an occupant, relay users' lines, which rooms XMPP users may enter. */
  private final GatewayRelay relays;
  private final GatewayAccess access;
  /** Occupants in the store, so they are still in after a restart (issue 15). */
  private final GatewayOccupants stored;
  /** Rooms by gateway JID; a future while the alias is being resolved. */
  private final Map<EntityBareJid, CompletableFuture<Optional<GatewayRoom>>> rooms = new ConcurrentHashMap<>();
  /** Stanzas to a room whose alias is still being resolved, chained in arrival order. */
  private final Map<EntityBareJid, CompletableFuture<Void>> arrivals = new ConcurrentHashMap<>();

  public GatewayBridge(XmppConfig config, ConnectorContext context, ComponentConnection connection,
      dev.switchboard.xmpp.media.MediaFetcher fetcher) {
    this.context = context;
    this.connection = connection;
    this.domain = config.component().domain();
    this.jids = new GatewayJids(domain);
    this.ghostIds = new XmppGhostIds(config.userPrefix(), context.serverName());
    this.interactions = new GatewayInteractions(context, connection, ghostIds);
    this.meters = context.meters(PROTOCOL);
    this.fetcher = fetcher;
    this.messageMap = new MessageMapStore(context.database(), context.clock());
    this.blocking = context.blockingExecutor();
    this.relays = new GatewayRelay(context, new dev.switchboard.xmpp.permission.BridgingPolicy(context, ghostIds),
        connection, new MediaLinks(config.media().baseUrl()));
    this.access = new GatewayAccess(context, connection, ghostIds);
    this.stored = new GatewayOccupants(context.database());
    this.archive = new MamArchive(connection, relays);
    this.mediaLinks = new MediaLinks(config.media().baseUrl());
    this.directory = new RoomDirectory(context.intents().bot(), jids);
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
    return stanza instanceof IQ iq && to.toString().equals(domain)
        && (DiscoverInfo.NAMESPACE.equals(iq.getChildElementNamespace())
            || DiscoverItems.NAMESPACE.equals(iq.getChildElementNamespace())
            || RoomDirectory.SEARCH_NS.equals(iq.getChildElementNamespace()));
  }

  /**
   * At start, before the component stream: the occupants the last run had. Their clients still think they are in
   * (a crash or restart tells them nothing), so they are sent nothing: what they say is bridged from the same ghost,
   * their XEP-0410 self-pings are answered as joined, and Matrix events reach them again. Stanzas to a room wait
   * until its occupants and members are back. A row whose alias no longer names the same room (or is no longer
   * served) is dropped.
   */
  public void restore() {
    Map<String, List<GatewayOccupants.Row>> byRoom = new java.util.LinkedHashMap<>();
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
      CompletableFuture<Optional<GatewayRoom>> f = context.intents().bot().resolveAlias(alias.get())
          .thenComposeAsync(id -> id.map(roomId -> restoreRoom(new GatewayRoom(jid, alias.get(), roomId), rows))
              .orElseGet(() -> {
                stored.removeRoom(roomJid); // the alias is gone: so is the room its occupants were in
                return CompletableFuture.completedFuture(Optional.empty());
              }), blocking)
          .exceptionally(e -> {
            log.warn("Gateway room {}: its occupants were not restored: {}", roomJid, LogText.of(rootCause(e)));
            return Optional.empty();
          });
      rooms.put(jid, f);
      f.thenAccept(r -> {
        if (r.isEmpty()) {
          rooms.remove(jid, f); // resolved afresh on the next stanza
        }
      });
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
    return loadMembers(room, context.intents().ghost(asker)).handle((v, e) -> {
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
    for (CompletableFuture<Optional<GatewayRoom>> f : rooms.values()) {
      f.getNow(Optional.empty()).ifPresent(room -> inOrder(room, () -> {
        List<GatewayRoom.Occupant> gone = new ArrayList<>(room.occupants.values());
        room.occupants.clear();
        stored.removeRoom(room.jid.toString());
        return CompletableFuture.allOf(gone.stream().map(o -> o.ghost).distinct()
            .map(g -> context.intents().ghost(g).leave(room.roomId).exceptionally(e -> null))
            .toArray(CompletableFuture[]::new));
      }));
    }
  }

  // ---- XMPP -> gateway

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
      inOrder(r, () -> onPresence(r, from, presence));
    } else if (stanza instanceof Message message) {
      inOrder(r, () -> onMessage(r, from, message));
    }
  }

  public void onStanza(Stanza stanza) {
    try {
      if (stanza instanceof IQ iq) {
        answerIq(iq);
        return;
      }
      EntityBareJid roomJid = stanza.getTo().asEntityBareJidIfPossible();
      if (roomJid == null || stanza.getFrom() == null || !(stanza.getFrom() instanceof FullJid from)) {
        return;
      }
      // Resolving a new room's alias is asynchronous: later stanzas to the same room wait behind it, in order.
      arrivals.compute(roomJid, (j, prev) -> (prev == null ? done() : prev)
          .thenCompose(v -> room(roomJid))
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

  /** The gateway room for a JID, resolving its alias on first use; empty when no room has that alias. */
  private CompletableFuture<Optional<GatewayRoom>> room(EntityBareJid jid) {
    Optional<RoomAlias> alias = jids.aliasOf(jid);
    if (alias.isEmpty() || !access.serves(alias.get())) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    CompletableFuture<Optional<GatewayRoom>> f = rooms.computeIfAbsent(jid, j -> context.intents().bot()
        .resolveAlias(alias.get())
        .thenApply(room -> room.map(id -> new GatewayRoom(jid, alias.get(), id))));
    return f.whenComplete((r, e) -> {
      if (e != null || r.isEmpty()) {
        rooms.remove(jid, f); // ask again next time: the alias may be created later
      }
    });
  }

  private CompletableFuture<Void> onPresence(GatewayRoom room, FullJid from, Presence presence) {
    GatewayRoom.Occupant existing = room.occupants.get(from);
    String nick = presence.getTo().getResourceOrEmpty().toString();
    if (presence.getType() == Presence.Type.unavailable) {
      return existing == null ? done() : leave(room, from, existing);
    }
    if (presence.getType() != Presence.Type.available) {
      return done();
    }
    if (nick.isEmpty() || XmlText.clean(nick).length() != nick.length()) {
      connection.send(GatewayStanzas.joinError(presence, StanzaError.Condition.jid_malformed, "A nick is required"));
      return done();
    }
    if (existing != null) {
      return nick.equals(existing.nick) ? done() : changeNick(room, from, existing, nick, presence);
    }
    return access.admit(room, from, presence, () -> join(room, from, nick, presence));
  }

  /** XEP-0045 § 7.2: the full join sequence, after the occupant's ghost joined the Matrix room. */
  private CompletableFuture<Void> join(GatewayRoom room, FullJid from, String nick, Presence presence) {
    UserId ghost;
    try {
      ghost = ghostIds.ghostOf(from.asBareJid());
    } catch (IllegalArgumentException e) {
      connection.send(GatewayStanzas.joinError(presence, StanzaError.Condition.jid_malformed, "Address too long"));
      return done();
    }
    Intent intent = context.intents().ghost(ghost);
    return loadMembers(room, intent).thenCompose(v -> {
      room.matrixNicks.remove(ghost); // joined before (an earlier run): shown as this occupant, not as a member
      if (room.nickTaken(nick, from)) {
        connection.send(GatewayStanzas.joinError(presence, StanzaError.Condition.conflict, "That nick is in use"));
        return done();
      }
      return intent.ensureRegistered()
          .thenCompose(x -> intent.setDisplayName(nick))
          .thenCompose(x -> intent.ensureJoined(room.roomId))
          .thenCompose(x -> CompletableFuture.runAsync(() -> ensureLink(room), blocking))
          .thenCompose(x -> intent.latestEvents(room.roomId, historySize(presence)))
          // Stored before the client hears it is in, so a crash cannot leave it thinking so while we forgot it.
          .thenCompose(history -> CompletableFuture.supplyAsync(() -> {
            stored.put(new GatewayOccupants.Row(room.jid.toString(), from.toString(), room.roomId.value(), nick));
            return history;
          }, blocking))
          .thenAccept(history -> sendJoinSequence(room, from, nick, ghost, history));
    }).exceptionally(err -> {
      log.info("{} cannot join gateway room {} ({}): {}", from, room.alias, room.roomId, rootCause(err).toString());
      connection.send(GatewayStanzas.joinError(presence, StanzaError.Condition.forbidden,
          "The Matrix room refused the join"));
      return null;
    });
  }

  private static int historySize(Presence presence) {
    return Math.min(MAX_HISTORY, GatewayStanzas.maxStanzas(presence).orElse(DEFAULT_HISTORY));
  }

  /** Joined members and topic, once per room (member events keep them current afterwards). */
  private CompletableFuture<Void> loadMembers(GatewayRoom room, Intent asker) {
    if (room.membersLoaded) {
      return done();
    }
    Intent bot = context.intents().bot();
    // The room may not let our bot in; the bot asks first (it is in plumbed rooms), else an occupant's ghost after
    // it joined; a public room lets either read.
    return bot.joinedMembers(room.roomId)
        .exceptionallyCompose(e -> asker.ensureJoined(room.roomId).thenCompose(v -> asker.joinedMembers(room.roomId)))
        .thenCompose(members -> {
          members.forEach((user, name) -> {
            if (!ghostIds.isGhost(user) || !room.isOccupantGhost(user)) {
              if (!user.equals(bot.userId()) && relays.shown(room, user, name)) {
                room.matrixNicks.put(user, uniqueNick(room, user, name.orElse(user.localpart())));
              }
            }
          });
          return asker.getState(room.roomId, "m.room.topic", "")
              .handle((topic, err) -> err == null && topic != null ? topic.path("topic").asText("") : "");
        })
        .thenCompose(topic -> {
          room.subject = topic;
          return asker.getState(room.roomId, "m.room.power_levels", "").handle((pl, err) -> err == null ? pl : null);
        })
        .thenAccept(pl -> {
          room.powerLevels = pl;
          room.membersLoaded = true;
        });
  }

  /** A nick for a Matrix member that no one else in the room holds: the display name, else with the localpart. */
  private static String uniqueNick(GatewayRoom room, UserId user, String displayName) {
    String base = XmlText.clean(displayName).strip();
    if (base.isEmpty() || GatewayStanzas.nick(base).isEmpty()) {
      base = user.localpart();
    }
    String current = room.matrixNicks.get(user);
    if (base.equals(current)) {
      return base;
    }
    String nick = base;
    for (int i = 0; room.nickTaken(nick, null) && !nick.equals(current); i++) {
      nick = i == 0 ? base + " (" + user.localpart() + ")" : base + " (" + user.localpart() + " " + i + ")";
    }
    return nick;
  }

  private void sendJoinSequence(GatewayRoom room, FullJid from, String nick, UserId ghost, List<JsonNode> history) {
    // 1. the presences of everyone already there, 2. the newcomer's to the others and to itself (110),
    // 3. history, 4. the subject (XEP-0045 § 7.2.3 - 7.2.15).
    room.matrixNicks.remove(ghost); // our own ghost is shown as the occupant, not as a Matrix member
    room.matrixNicks.forEach((member, other) -> room.occupantJid(other).ifPresent(o -> connection.send(
        GatewayStanzas.available(o, from, false, room.standingOf(member)))));
    room.occupants.forEach((jid, o) -> room.occupantJid(o.nick).ifPresent(
        occ -> connection.send(GatewayStanzas.available(occ, from, false, room.standingOf(o.ghost)))));
    EntityFullJid self = room.occupantJid(nick).orElseThrow();
    PowerLevelRoles standing = room.standingOf(ghost);
    for (FullJid other : room.occupants.keySet()) {
      connection.send(GatewayStanzas.available(self, other, false, standing));
    }
    room.occupants.put(from, new GatewayRoom.Occupant(nick, ghost));
    connection.send(GatewayStanzas.available(self, from, true, standing));
    List<JsonNode> oldestFirst = new ArrayList<>(history);
    java.util.Collections.reverse(oldestFirst);
    for (JsonNode e : oldestFirst) {
      if (!"m.room.message".equals(e.path("type").asText()) || e.path("content").path("m.relates_to")
          .path("rel_type").asText().equals("m.replace")) {
        continue;
      }
      Optional<String> text = textOf(e.path("content"));
      if (text.isEmpty()) {
        continue;
      }
      UserId sender;
      try {
        sender = UserId.of(e.path("sender").asText());
      } catch (IllegalArgumentException bad) {
        continue;
      }
      if (!relays.shown(sender)) {
        relays.archived(room, from, e, sender, true).ifPresent(connection::send);
        continue;
      }
      String eventId = e.path("event_id").asText();
      Optional<EntityFullJid> occupant = room.occupantJid(room.nickOf(sender));
      List<ExtensionElement> xhtml = xhtmlOf(e.path("content"));
      occupant.ifPresent(o -> connection.send(GatewayStanzas.groupchat(o, from, StanzaIds.of(eventId), text.get(),
          room.jid, Optional.of(eventId), Optional.of(new Date(e.path("origin_server_ts").asLong())), xhtml)));
    }
    connection.send(GatewayStanzas.subject(room.jid, from, "subject-" + StanzaIds.of(room.roomId.value()),
        room.subject));
    log.info("{} joined gateway room {} as '{}'", LogText.of(from), room.alias, LogText.of(nick));
  }

  /** XEP-0045 § 7.6: 303 from the old nick to everyone, then the new nick's presence; the ghost is renamed. */
  private CompletableFuture<Void> changeNick(GatewayRoom room, FullJid from, GatewayRoom.Occupant o, String nick,
      Presence presence) {
    if (room.nickTaken(nick, from)) {
      connection.send(GatewayStanzas.joinError(presence, StanzaError.Condition.conflict, "That nick is in use"));
      return done();
    }
    Optional<EntityFullJid> oldJid = room.occupantJid(o.nick);
    Optional<EntityFullJid> newJid = room.occupantJid(nick);
    if (oldJid.isEmpty() || newJid.isEmpty()) {
      return done();
    }
    stored.rename(room.jid.toString(), from.toString(), nick);
    o.nick = nick;
    for (FullJid to : room.occupants.keySet()) {
      connection.send(GatewayStanzas.unavailable(oldJid.get(), to, to.equals(from),
          List.of(MUCUser.Status.NEW_NICKNAME_303), Optional.of(nick), Optional.empty()));
    }
    for (FullJid to : room.occupants.keySet()) {
      connection.send(GatewayStanzas.available(newJid.get(), to, to.equals(from), room.standingOf(o.ghost)));
    }
    return context.intents().ghost(o.ghost).setDisplayName(nick);
  }

  private CompletableFuture<Void> leave(GatewayRoom room, FullJid from, GatewayRoom.Occupant o) {
    room.occupants.remove(from);
    stored.remove(room.jid.toString(), from.toString());
    room.occupantJid(o.nick).ifPresent(occ -> {
      connection.send(GatewayStanzas.unavailable(occ, from, true, List.of(), Optional.empty(), Optional.empty()));
      room.occupants.keySet().forEach(to -> connection.send(GatewayStanzas.unavailable(occ, to, false, List.of(),
          Optional.empty(), Optional.empty())));
    });
    if (room.isOccupantGhost(o.ghost)) {
      return done(); // another resource of the same person is still there
    }
    return context.intents().ghost(o.ghost).leave(room.roomId);
  }

  private CompletableFuture<Void> onMessage(GatewayRoom room, FullJid from, Message message) {
    if (message.getType() == Message.Type.error) {
      // Our copy to an occupant bounced because its client is gone (it went offline while we were down, so its
      // unavailable presence never reached us): it leaves, as a MUC service removes such occupants.
      GatewayRoom.Occupant gone = room.occupants.get(from);
      if (gone != null && message.getError() != null && GONE.contains(message.getError().getCondition())) {
        log.info("{} leaves gateway room {}: a message to it bounced ({})", LogText.of(from), room.alias,
            message.getError().getCondition());
        return leave(room, from, gone);
      }
      return done();
    }
    GatewayRoom.Occupant o = room.occupants.get(from);
    if (o == null) {
      connection.send(GatewayStanzas.messageError(message, StanzaError.Condition.not_acceptable,
          "Join the room first"));
      return done();
    }
    if (message.getType() != Message.Type.groupchat || !message.getTo().isEntityBareJid()) {
      connection.send(GatewayStanzas.messageError(message, StanzaError.Condition.feature_not_implemented,
          "Private messages in gateway rooms are not supported; message the user's address directly"));
      return done();
    }
    Optional<CompletableFuture<Void>> taken = interactions.fromXmpp(room, from, o, message);
    if (taken.isPresent()) {
      return taken.get();
    }
    String body = message.getBody();
    if (body == null) {
      return done();
    }
    ObjectNode content = JsonNodeFactory.instance.objectNode();
    if (body.startsWith("/me ")) {
      content.put("msgtype", "m.emote").put("body", body.substring(4));
    } else {
      content.put("msgtype", "m.text").put("body", body);
    }
    // XHTML-IM (sanitised), else XEP-0393 styling, becomes Matrix HTML.
    XmppFormatting.apply(message, content, body.startsWith("/me "));
    XHTMLExtension xhtml = XmppFormatting.xhtmlElement(message).orElse(null);
    String id = message.getStanzaId() == null ? "none-" + java.util.UUID.randomUUID() : message.getStanzaId();
    String key = "from:" + o.ghost.value() + "/" + id;
    Optional<String> url = MediaLinks.oobUrl(message);
    if (url.isPresent() && body.strip().equals(url.get())) {
      return shareFile(room, o, message, id, key, url.get());
    }
    MessageCorrectExtension correction = MessageCorrectExtension.from(message);
    return CompletableFuture.supplyAsync(() -> correction == null ? Optional.<EventId>empty()
            : messageMap.byRemote(new MessageMapStore.RemoteMessage(PROTOCOL, room.jid.toString(),
                "from:" + o.ghost.value() + "/" + correction.getIdInitialMessage()))
                .map(MessageMapStore.MessageMapping::eventId), blocking)
        .thenCompose(replaced -> context.intents().ghost(o.ghost).sendMessage(room.roomId,
            replaced.map(r -> edit(r, content)).orElse(content), "xmpp-gw|" + room.jid + "|" + key))
        .thenAcceptAsync(event -> {
          messageMap.put(new MessageMapStore.RemoteMessage(PROTOCOL, room.jid.toString(), key), room.roomId, event);
          // XEP-0045 § 7.4: the room reflects the message to every occupant, the sender included, with its id.
          List<ExtensionElement> extra = new ArrayList<>();
          if (correction != null) {
            extra.add(correction);
          }
          if (xhtml != null) {
            extra.add(xhtml);
          }
          room.occupantJid(o.nick).ifPresent(occ -> room.occupants.keySet().forEach(to -> connection.send(
              GatewayStanzas.groupchat(occ, to, id, body, room.jid, Optional.of(event.value()), Optional.empty(),
                  extra))));
        }, blocking);
  }

  /**
   * A message that is just a file's URL with XEP-0066 OOB data (how XEP-0363 uploads are shared): the file is fetched
   * (size limit, no internal addresses unless allowed) and uploaded, so Matrix clients show it; otherwise the link
   * goes to Matrix as text. Occupants get the message back as sent, link and OOB data, with the event id.
   */
  private CompletableFuture<Void> shareFile(GatewayRoom room, GatewayRoom.Occupant o, Message message, String id,
      String key, String url) {
    Intent ghost = context.intents().ghost(o.ghost);
    String txn = "xmpp-gw-media|" + room.jid + "|" + key;
    return fetcher.fetch(url)
        .thenCompose(file -> ghost.uploadMedia(file.bytes(), file.contentType(), file.fileName())
            .thenApply(mxc -> dev.switchboard.xmpp.media.MucMediaHook.content(file, mxc)))
        .exceptionally(err -> {
          log.info("Not re-uploading {} from {} in {}: {}", LogText.of(url), o.ghost, room.alias,
              LogText.of(rootCause(err).getMessage()));
          return JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", url);
        })
        .thenAccept(content -> ghost.sendMessage(room.roomId, content, txn).thenAcceptAsync(event -> {
          messageMap.put(new MessageMapStore.RemoteMessage(PROTOCOL, room.jid.toString(), key), room.roomId, event);
          room.occupantJid(o.nick).ifPresent(occ -> room.occupants.keySet().forEach(to -> connection.send(
              MediaLinks.withOob(GatewayStanzas.groupchat(occ, to, id, url, room.jid, Optional.of(event.value()),
                  Optional.empty(), List.of()), Optional.of(new MediaLinks.Link(url, ""))))));
        }, blocking).exceptionally(err -> {
          log.warn("XMPP -> Matrix file in {} failed: {}", room.alias, rootCause(err).toString());
          return null;
        }));
  }

  private static ObjectNode edit(EventId replaced, ObjectNode newContent) {
    ObjectNode content = newContent.deepCopy();
    content.put("body", "* " + newContent.path("body").asText());
    content.set("m.new_content", newContent);
    content.putObject("m.relates_to").put("rel_type", "m.replace").put("event_id", replaced.value());
    return content;
  }

  /** The room's link, so its Matrix events reach us: plumbed (we never delete or rename a room someone else owns). */
  private void ensureLink(GatewayRoom room) {
    Link link = new Link(room.roomId, PROTOCOL, room.jid.toString(), true);
    if (context.portals().linksOf(room.roomId).contains(link)) {
      return;
    }
    if (context.portals().portal(room.roomId).isEmpty()) {
      context.portals().createPlumbedRoom(room.roomId, List.of(link));
    } else {
      context.portals().addLink(link);
    }
  }

  // ---- Matrix -> gateway

  /** A Matrix event in a room with a gateway link: relayed to the room's XMPP occupants. */
  public CompletableFuture<Void> onMatrixEvent(MatrixEvent event, Link link) {
    EntityBareJid jid;
    try {
      jid = JidCreate.entityBareFrom(link.remoteId());
    } catch (XmppStringprepException e) {
      return done();
    }
    // Done when the room's stanzas for it are written to the component stream (its own lane keeps the order).
    return room(jid).thenCompose(room -> room.map(r -> inOrderResult(r, () -> relay(r, event))).orElseGet(
        GatewayBridge::done));
  }

  /** Typing and read receipts in a room with a gateway link: chat states and markers for its XMPP occupants. */
  public CompletableFuture<Void> onEphemeral(JsonNode event, Link link) {
    EntityBareJid jid;
    try {
      jid = JidCreate.entityBareFrom(link.remoteId());
    } catch (XmppStringprepException e) {
      return done();
    }
    return room(jid).thenAccept(room -> room.filter(r -> r.membersLoaded && !r.occupants.isEmpty())
        .ifPresent(r -> inOrder(r, () -> interactions.onEphemeral(r, event))));
  }

  private CompletableFuture<Void> relay(GatewayRoom room, MatrixEvent event) {
    if (!room.membersLoaded) {
      return done(); // nobody from XMPP has been here this run; members load on the first join
    }
    if (relays.hidden(event.sender())) {
      return relays.fromHidden(room, event);
    }
    if (interactions.takes(event)) {
      return interactions.fromMatrix(room, event);
    }
    switch (event.type()) {
      case "m.room.message" -> {
        return relayMessage(room, event);
      }
      case "m.room.topic" -> {
        room.subject = event.content().path("topic").asText("");
        room.occupants.keySet().forEach(to -> connection.send(GatewayStanzas.subject(room.jid, to,
            StanzaIds.of(event.eventId().value()), room.subject)));
      }
      case "m.room.member" -> relayMember(room, event);
      case "m.room.power_levels" -> {
        if (event.stateKey().map(String::isEmpty).orElse(false)) {
          relayPowerLevels(room, event.content());
        }
      }
      default -> {
        // the rest: not bridged
      }
    }
    return done();
  }

  private CompletableFuture<Void> relayMessage(GatewayRoom room, MatrixEvent event) {
    JsonNode relation = event.content().path("m.relates_to");
    boolean isEdit = "m.replace".equals(relation.path("rel_type").asText()) && relation.path("event_id").isTextual()
        && event.content().path("m.new_content").isObject();
    JsonNode content = isEdit ? event.content().path("m.new_content") : event.content();
    Optional<MediaLinks.Link> media = mediaLinks.of(content);
    Optional<String> text = MediaLinks.isMedia(content) ? Optional.of(mediaLinks.textOf(content)) : textOf(content);
    Optional<EntityFullJid> from = room.occupantJid(room.nickOf(event.sender()));
    if (text.isEmpty() || from.isEmpty()) {
      return done();
    }
    List<ExtensionElement> extra = new ArrayList<>(xhtmlOf(content));
    if (isEdit) {
      extra.add(new MessageCorrectExtension(StanzaIds.of(relation.path("event_id").asText())));
    }
    String eventId = event.eventId().value();
    List<CompletableFuture<Void>> written = new ArrayList<>();
    for (FullJid to : room.occupants.keySet()) {
      written.add(connection.deliver(MediaLinks.withOob(GatewayStanzas.groupchat(from.get(), to,
          StanzaIds.of(eventId), text.get(), room.jid, Optional.of(eventId), Optional.empty(), extra), media)));
    }
    if (!room.occupants.isEmpty()) {
      meters.message(ConnectorMeters.Direction.TO_REMOTE);
    }
    return CompletableFuture.allOf(written.toArray(CompletableFuture[]::new));
  }

  /** New power levels: everyone whose affiliation or role changed is announced again (XEP-0045 § 9.3, 9.6). */
  private void relayPowerLevels(GatewayRoom room, JsonNode content) {
    JsonNode before = room.powerLevels;
    room.powerLevels = content;
    room.matrixNicks.forEach((member, nick) -> {
      PowerLevelRoles now = PowerLevelRoles.of(content, member);
      if (!now.equals(PowerLevelRoles.of(before, member))) {
        room.occupantJid(nick).ifPresent(occ -> room.occupants.keySet().forEach(to ->
            connection.send(GatewayStanzas.available(occ, to, false, now))));
      }
    });
    room.occupants.forEach((jid, o) -> {
      PowerLevelRoles now = PowerLevelRoles.of(content, o.ghost);
      if (!now.equals(PowerLevelRoles.of(before, o.ghost))) {
        room.occupantJid(o.nick).ifPresent(occ -> room.occupants.keySet().forEach(to ->
            connection.send(GatewayStanzas.available(occ, to, to.equals(jid), now))));
      }
    });
  }

  private void relayMember(GatewayRoom room, MatrixEvent event) {
    if (event.stateKey().isEmpty()) {
      return;
    }
    UserId target;
    try {
      target = UserId.of(event.stateKey().get());
    } catch (IllegalArgumentException e) {
      return;
    }
    String membership = event.membership().orElse("");
    String oldNick = room.matrixNicks.get(target);
    if (room.isOccupantGhost(target)) {
      if (membership.equals("leave") || membership.equals("ban")) {
        removeOccupants(room, target, membership.equals("ban") ? MUCUser.Status.BANNED_301 : MUCUser.Status.KICKED_307,
            event.content().path("reason").asText(""));
      }
      return;
    }
    if (target.equals(context.intents().bot().userId()) || !relays.shown(target)) {
      return;
    }
    if (membership.equals("join")) {
      String name = event.content().path("displayname").asText("");
      String nick = uniqueNick(room, target, name.isBlank() ? target.localpart() : name);
      if (nick.equals(oldNick)) {
        return;
      }
      room.matrixNicks.put(target, nick);
      Optional<EntityFullJid> newJid = room.occupantJid(nick);
      if (oldNick != null) {
        room.occupantJid(oldNick).ifPresent(old -> room.occupants.keySet().forEach(to -> connection.send(
            GatewayStanzas.unavailable(old, to, false, List.of(MUCUser.Status.NEW_NICKNAME_303), Optional.of(nick),
                Optional.empty()))));
      }
      newJid.ifPresent(j -> room.occupants.keySet().forEach(to -> connection.send(
          GatewayStanzas.available(j, to, false, room.standingOf(target)))));
    } else if (oldNick != null && (membership.equals("leave") || membership.equals("ban"))) {
      room.matrixNicks.remove(target);
      boolean byOther = !event.sender().equals(target);
      List<MUCUser.Status> statuses = !byOther ? List.of()
          : List.of(membership.equals("ban") ? MUCUser.Status.BANNED_301 : MUCUser.Status.KICKED_307);
      room.occupantJid(oldNick).ifPresent(old -> room.occupants.keySet().forEach(to -> connection.send(
          GatewayStanzas.unavailable(old, to, false, statuses, Optional.empty(), Optional.empty()))));
    }
  }

  /** A Matrix moderator kicked or banned an occupant's ghost: the occupant is out (307 / 301), for everyone. */
  private void removeOccupants(GatewayRoom room, UserId ghost, MUCUser.Status status, String reason) {
    List<Map.Entry<FullJid, GatewayRoom.Occupant>> gone = room.occupants.entrySet().stream()
        .filter(e -> e.getValue().ghost.equals(ghost)).toList();
    for (Map.Entry<FullJid, GatewayRoom.Occupant> e : gone) {
      room.occupants.remove(e.getKey());
      stored.remove(room.jid.toString(), e.getKey().toString());
      Optional<String> why = reason.isBlank() ? Optional.empty() : Optional.of(reason);
      room.occupantJid(e.getValue().nick).ifPresent(occ -> {
        connection.send(GatewayStanzas.unavailable(occ, e.getKey(), true, List.of(status), Optional.empty(), why));
        room.occupants.keySet().forEach(to -> connection.send(GatewayStanzas.unavailable(occ, to, false,
            List.of(status), Optional.empty(), why)));
      });
      log.info("{} removed from gateway room {} by Matrix ({})", e.getKey(), room.alias, status);
    }
  }

  /**
   * A message's text for XMPP (Matrix HTML as XEP-0393 styling); empty for what is not bridged yet (media and the
   * rest).
   */
  static Optional<String> textOf(JsonNode content) {
    String body = content.path("body").asText("");
    String text = switch (content.path("msgtype").asText("")) {
      case "m.text", "m.notice" -> MatrixHtml.bodyOf(content, "", body);
      case "m.emote" -> MatrixHtml.bodyOf(content, "/me ", "/me " + body);
      default -> null;
    };
    return text == null || text.isEmpty() ? Optional.empty() : Optional.of(text);
  }

  /** The XHTML-IM body (XEP-0071) for a text message with Matrix HTML, as extension list; empty otherwise. */
  static List<ExtensionElement> xhtmlOf(JsonNode content) {
    String msgtype = content.path("msgtype").asText("");
    if (!msgtype.equals("m.text") && !msgtype.equals("m.notice") && !msgtype.equals("m.emote")) {
      return List.of();
    }
    return MatrixHtml.render(content, msgtype.equals("m.emote") ? "/me " : "")
        .<List<ExtensionElement>>map(r -> List.of(r.xhtml())).orElse(List.of());
  }

  // ---- disco (XEP-0030) on the component and its rooms

  private void answerIq(IQ iq) {
    if (MamQuery.isMamQuery(iq)) {
      answerMam(iq);
      return;
    }
    if (PING_NS.equals(iq.getChildElementNamespace()) && iq.getType() == IQ.Type.get
        && jids.isGatewayRoom(iq.getTo())) {
      answerPing(iq);
      return;
    }
    if (RoomDirectory.SEARCH_NS.equals(iq.getChildElementNamespace()) && iq.getTo().toString().equals(domain)) {
      directory.answerSearch(iq, connection::send);
      return;
    }
    if (iq.getType() != IQ.Type.get) {
      if (iq.getType() == IQ.Type.set) {
        connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.feature_not_implemented));
      }
      return;
    }
    if (iq instanceof DiscoverInfo info && info.getNode() == null) {
      if (iq.getTo().toString().equals(domain)) {
        connection.send(componentInfo(info));
        return;
      }
      EntityBareJid roomJid = iq.getTo().asEntityBareJidIfPossible();
      if (roomJid != null && iq.getTo().hasNoResource()) {
        room(roomJid).whenComplete((room, e) -> connection.send(room == null || room.isEmpty()
            ? IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found) : roomInfo(info, room.get())));
        return;
      }
    } else if (iq instanceof DiscoverItems items && items.getNode() == null) {
      DiscoverItems answer = new DiscoverItems();
      answer.setType(IQ.Type.result);
      answer.setStanzaId(items.getStanzaId());
      answer.setTo(items.getFrom());
      answer.setFrom(items.getTo());
      if (!items.getTo().toString().equals(domain)) {
        connection.send(answer);
        return;
      }
      // The published room directory's rooms with an alias, then the rooms XMPP users are in now.
      directory.rooms(null).exceptionally(err -> {
        log.warn("Room directory for disco#items failed: {}", rootCause(err).toString());
        return List.of();
      }).thenAccept(listed -> {
        java.util.Set<EntityBareJid> seen = new java.util.HashSet<>();
        for (RoomDirectory.Entry e : listed) {
          if (seen.add(e.jid())) {
            DiscoverItems.Item item = new DiscoverItems.Item(e.jid());
            item.setName(e.name());
            answer.addItem(item);
          }
        }
        rooms.values().forEach(f -> f.getNow(Optional.empty()).filter(r -> !r.occupants.isEmpty())
            .filter(r -> seen.add(r.jid)).ifPresent(r -> {
              DiscoverItems.Item item = new DiscoverItems.Item(r.jid);
              item.setName(r.alias.value());
              answer.addItem(item);
            }));
        connection.send(answer);
      });
      return;
    }
    connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found));
  }

  /**
   * XEP-0199 ping to a gateway room or one of its occupants. An occupant's XEP-0410 self-ping (to its own occupant
   * JID) gets a result; from a JID that is not in the room, {@code not-acceptable}, which tells its client to join
   * again; an occupant pinging another nick gets a result too (the room answers for Matrix members). Answered in the
   * room's order, so after the presences that came before it.
   */
  private void answerPing(IQ iq) {
    EntityBareJid roomJid = iq.getTo().asEntityBareJidIfPossible();
    if (roomJid == null || iq.getTo().hasNoResource()) {
      connection.send(IQ.createResultIQ(iq));
      return;
    }
    room(roomJid).whenComplete((room, e) -> {
      if (e != null || room == null || room.isEmpty()) {
        connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found));
        return;
      }
      inOrder(room.get(), () -> {
        boolean in = iq.getFrom() instanceof FullJid from && room.get().occupants.containsKey(from);
        connection.send(in ? IQ.createResultIQ(iq)
            : IQ.createErrorResponse(iq, StanzaError.Condition.not_acceptable));
        return done();
      });
    });
  }

  /** XEP-0313 on a gateway room: for its occupants, from the Matrix room's history. */
  private void answerMam(IQ iq) {
    EntityBareJid roomJid = iq.getTo().asEntityBareJidIfPossible();
    if (roomJid == null || !(iq.getFrom() instanceof FullJid from)) {
      connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found));
      return;
    }
    room(roomJid).thenAccept(room -> {
      GatewayRoom.Occupant o = room.map(r -> r.occupants.get(from)).orElse(null);
      if (o == null) {
        connection.send(IQ.createErrorResponse(iq, room.isEmpty() ? StanzaError.Condition.item_not_found
            : StanzaError.Condition.forbidden));
        return;
      }
      inOrder(room.get(), () -> archive.answer(iq, room.get(), context.intents().ghost(o.ghost))
          .exceptionally(e -> {
            connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.internal_server_error));
            return null;
          }));
    });
  }

  private static DiscoverInfo componentInfo(DiscoverInfo request) {
    return DiscoverInfo.builder(request.getStanzaId()).ofType(IQ.Type.result).to(request.getFrom())
        .from(request.getTo())
        .addIdentity(new DiscoverInfo.Identity("gateway", "Matrix", GATEWAY_IDENTITY_TYPE))
        .addIdentity(new DiscoverInfo.Identity("conference", "Matrix rooms", "text"))
        .addFeature(DiscoverInfo.NAMESPACE)
        .addFeature(DiscoverItems.NAMESPACE)
        .addFeature("http://jabber.org/protocol/muc")
        .addFeature("urn:xmpp:ping")
        .addFeature(RoomDirectory.SEARCH_NS)
        .addFeature(XHTMLExtension.NAMESPACE)
        .build();
  }

  private static DiscoverInfo roomInfo(DiscoverInfo request, GatewayRoom room) {
    return DiscoverInfo.builder(request.getStanzaId()).ofType(IQ.Type.result).to(request.getFrom())
        .from(request.getTo())
        .addIdentity(new DiscoverInfo.Identity("conference", room.alias.value(), "text"))
        .addFeature(DiscoverInfo.NAMESPACE)
        .addFeature("http://jabber.org/protocol/muc")
        .addFeature("muc_public")
        .addFeature("muc_open")
        .addFeature("muc_persistent")
        .addFeature("muc_semianonymous")
        .addFeature(XHTMLExtension.NAMESPACE)
        .addFeature("muc_unmoderated")
        .addFeature("muc_unsecured")
        .addFeature("urn:xmpp:sid:0")
        .addFeature(MamQuery.NAMESPACE)
        .build();
  }

  // ---- helpers

  /** Runs one room's work strictly in arrival order, off the protocol thread. */
  private void inOrder(GatewayRoom room, Supplier<CompletableFuture<?>> work) {
    synchronized (room) {
      room.tail = room.tail.thenComposeAsync(v -> work.get(), blocking).handle((r, e) -> {
        if (e != null && !(rootCause(e) instanceof java.util.concurrent.RejectedExecutionException)) {
          log.warn("Gateway room {} ({}): {}", room.alias, room.roomId, rootCause(e).toString());
        }
        return null;
      });
    }
  }

  /** {@link #inOrder}, and the caller hears how this step ended (the lane itself goes on either way). */
  private CompletableFuture<Void> inOrderResult(GatewayRoom room, Supplier<CompletableFuture<Void>> work) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    inOrder(room, () -> {
      CompletableFuture<Void> step;
      try {
        step = work.get();
      } catch (RuntimeException e) {
        step = CompletableFuture.failedFuture(e);
      }
      return step.whenComplete((v, e) -> {
        if (e != null) {
          result.completeExceptionally(e);
        } else {
          result.complete(null);
        }
      });
    });
    return result;
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
