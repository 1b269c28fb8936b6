package dev.switchboard.xmpp.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.stanza.XmlText;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.FullJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matrix members as occupants of a gateway room: loaded once, when the first XMPP user comes, then kept current from
 * member and power-level events (joins, renames, leaves, kicks and bans, roles), each with a nick no one else holds.
 */
final class GatewayMembers {
  private static final Logger log = LoggerFactory.getLogger(GatewayMembers.class);

  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final XmppGhostIds ghostIds;
  private final GatewayRelay relays;
  private final GatewayOccupants stored;

  GatewayMembers(ConnectorContext context, ComponentConnection connection, XmppGhostIds ghostIds,
      GatewayRelay relays, GatewayOccupants stored) {
    this.context = context;
    this.connection = connection;
    this.ghostIds = ghostIds;
    this.relays = relays;
    this.stored = stored;
  }

  /** Joined members and topic, once per room (member events keep them current afterwards). */
  CompletableFuture<Void> load(GatewayRoom room, Intent asker) {
    if (room.membersLoaded) {
      return CompletableFuture.completedFuture(null);
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

  /** New power levels: everyone whose affiliation or role changed is announced again (XEP-0045 § 9.3, 9.6). */
  void onPowerLevels(GatewayRoom room, JsonNode content) {
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

  /**
   * A member event: a Matrix member's join or new display name is their occupant's presence or nick change, a leave
   * theirs; a kick or ban of an XMPP occupant's ghost removes the occupant.
   */
  void onMember(GatewayRoom room, UserId sender, UserId target, String membership, String displayName,
      String reason) {
    String oldNick = room.matrixNicks.get(target);
    if (room.isOccupantGhost(target)) {
      if (membership.equals("leave") || membership.equals("ban")) {
        removeOccupants(room, target, membership.equals("ban") ? MUCUser.Status.BANNED_301 : MUCUser.Status.KICKED_307,
            reason);
      }
      return;
    }
    if (target.equals(context.intents().bot().userId()) || !relays.shown(target)) {
      return;
    }
    if (membership.equals("join")) {
      String nick = uniqueNick(room, target, displayName.isBlank() ? target.localpart() : displayName);
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
      boolean byOther = !sender.equals(target);
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
}
