package dev.switchboard.xmpp.gateway;

import static dev.switchboard.core.failure.Failures.rootCause;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.BridgeInfo;
import dev.switchboard.xmpp.XmppBridgeInfo;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.stanza.LogText;
import dev.switchboard.xmpp.stanza.StanzaIds;
import dev.switchboard.xmpp.stanza.XmlText;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.FullJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XMPP users entering, renaming in and leaving gateway rooms (XEP-0045 § 7.2 - 7.6, 7.14): the join sequence with
 * history and subject, each occupant's ghost joining the Matrix room, and the occupants kept in the store.
 */
final class GatewayJoins {
  private static final Logger log = LoggerFactory.getLogger(GatewayJoins.class);
  private static final String PROTOCOL = "xmpp";
  /** History on join when the client does not say how much (XEP-0045 leaves the default to the service). */
  private static final int DEFAULT_HISTORY = 20;
  private static final int MAX_HISTORY = 100;

  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final XmppGhostIds ghostIds;
  private final GatewayMembers members;
  private final GatewayRelay relays;
  private final GatewayAccess access;
  private final GatewayOccupants stored;
  private final Executor blocking;

  GatewayJoins(ConnectorContext context, ComponentConnection connection, XmppGhostIds ghostIds,
      GatewayMembers members, GatewayRelay relays, GatewayAccess access, GatewayOccupants stored) {
    this.context = context;
    this.connection = connection;
    this.ghostIds = ghostIds;
    this.members = members;
    this.relays = relays;
    this.access = access;
    this.stored = stored;
    this.blocking = context.blockingExecutor();
  }

  /** A presence to a gateway room, in the room's order. */
  CompletableFuture<Void> onPresence(GatewayRoom room, FullJid from, Presence presence) {
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
    return members.load(room, intent).thenCompose(v -> {
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
      sendHistory(room, from, e);
    }
    connection.send(GatewayStanzas.subject(room.jid, from, "subject-" + StanzaIds.of(room.roomId.value()),
        room.subject));
    log.info("{} joined gateway room {} as '{}'", LogText.of(from), room.alias, LogText.of(nick));
  }

  /** One message of the room's history to a newcomer (XEP-0203 delayed); edits and what is not text are left out. */
  private void sendHistory(GatewayRoom room, FullJid to, JsonNode e) {
    Optional<String> text = GatewayToXmpp.historyText(e);
    if (text.isEmpty()) {
      return;
    }
    UserId sender;
    try {
      sender = UserId.of(e.path("sender").asText());
    } catch (IllegalArgumentException bad) {
      return;
    }
    if (!relays.shown(sender)) {
      relays.archived(room, to, e, sender, true).ifPresent(connection::send);
      return;
    }
    String eventId = e.path("event_id").asText();
    Optional<EntityFullJid> occupant = room.occupantJid(room.nickOf(sender));
    List<ExtensionElement> xhtml = GatewayToXmpp.xhtmlOf(e.path("content"));
    occupant.ifPresent(o -> connection.send(GatewayStanzas.groupchat(o, to, StanzaIds.of(eventId), text.get(),
        room.jid, Optional.of(eventId), Optional.of(new Date(e.path("origin_server_ts").asLong())), xhtml)));
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

  /** XEP-0045 § 7.14: the occupant leaves; its ghost leaves the Matrix room unless another resource is still in. */
  CompletableFuture<Void> leave(GatewayRoom room, FullJid from, GatewayRoom.Occupant o) {
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

  /**
   * The room's link, so its Matrix events reach us: plumbed (we never delete or rename a room someone else owns).
   * A new link also gets the room's bridge state, written by the bot when the room's power levels let it (else the
   * bot would join only to be refused); the join does not wait for it (the write is queued durably).
   */
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
    Intent bot = context.intents().bot();
    if (room.powerLevels != null && BridgeInfo.maySend(room.powerLevels, bot.userId())) {
      XmppBridgeInfo.gatewayRoom(bot.userId(), room.jid, room.alias).write(bot, room.roomId);
    }
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
