package dev.switchboard.xmpp.gateway;

import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.FullJid;

/**
 * A Matrix room seen as a MUC on the component while the bridge runs: its XMPP occupants (by their real full JID)
 * and the nick each Matrix member has in it.
 */
final class GatewayRoom {
  final EntityBareJid jid;
  final RoomAlias alias;
  final RoomId roomId;

  /** XMPP occupants: their real full JID → nick and ghost. */
  final Map<FullJid, Occupant> occupants = new ConcurrentHashMap<>();
  /** Matrix members (other than occupants' own ghosts) → their nick; empty until the first XMPP user joins. */
  final Map<UserId, String> matrixNicks = new ConcurrentHashMap<>();
  volatile boolean membersLoaded;
  volatile String subject = "";
  /** The content of the room's {@code m.room.power_levels}, null if it has none (or not loaded yet). */
  volatile com.fasterxml.jackson.databind.JsonNode powerLevels;

  GatewayRoom(EntityBareJid jid, RoomAlias alias, RoomId roomId) {
    this.jid = jid;
    this.alias = alias;
    this.roomId = roomId;
  }

  /** One XMPP user's presence in the room. */
  static final class Occupant {
    volatile String nick;
    final UserId ghost;

    Occupant(String nick, UserId ghost) {
      this.nick = nick;
      this.ghost = ghost;
    }
  }

  /** Who holds {@code nick}: an XMPP occupant's JID or a Matrix member. */
  boolean nickTaken(String nick, FullJid except) {
    return occupants.entrySet().stream().anyMatch(e -> !e.getKey().equals(except) && e.getValue().nick.equals(nick))
        || matrixNicks.containsValue(nick);
  }

  boolean isOccupantGhost(UserId user) {
    return occupants.values().stream().anyMatch(o -> o.ghost.equals(user));
  }

  /** The nick a Matrix sender shows as: its member nick, the occupant's nick for our own ghosts, else its localpart. */
  String nickOf(UserId user) {
    String nick = matrixNicks.get(user);
    if (nick != null) {
      return nick;
    }
    return occupants.values().stream().filter(o -> o.ghost.equals(user)).map(o -> o.nick).findFirst()
        .orElse(user.localpart());
  }

  /** How {@code user}'s power level shows in presences. */
  PowerLevelRoles standingOf(UserId user) {
    return PowerLevelRoles.of(powerLevels, user);
  }

  Optional<EntityFullJid> occupantJid(String nick) {
    return GatewayStanzas.nick(nick).map(r -> org.jxmpp.jid.impl.JidCreate.entityFullFrom(jid, r));
  }
}
