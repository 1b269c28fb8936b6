package dev.switchboard.xmpp.muc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.homeserver.StateEdits;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.GhostStore;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.stanza.LogText;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.jivesoftware.smackx.muc.packet.MUCItem;
import org.jxmpp.jid.Jid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Matrix ghosts of MUC occupants: which ghost stands for whom (one person keeps one ghost across renames and
 * restarts, also in anonymous MUCs), their display names and their power levels.
 */
final class MucGhosts {
  private static final Logger log = LoggerFactory.getLogger(MucGhosts.class);
  private static final String PROTOCOL = "xmpp";
  /** Numbered ghosts tried for one anonymous occupant JID (see anonymousGhost): far more than a nick is reused. */
  private static final int MAX_GHOST_NUMBER = 100;

  private final ConnectorContext context;
  private final XmppGhostIds ghostIds;
  private final GhostStore ghostStore;
  private final Executor blocking;
  /** The display name each ghost was last given in this run. */
  private final Map<UserId, String> ghostNames = new ConcurrentHashMap<>();

  MucGhosts(ConnectorContext context, XmppGhostIds ghostIds) {
    this.context = context;
    this.ghostIds = ghostIds;
    this.ghostStore = new GhostStore(context.database(), context.clock());
    this.blocking = context.blockingExecutor();
  }

  /**
   * The ghost of an occupant: the person's own ghost where the MUC tells us their real JID (non-anonymous rooms,
   * or when we moderate), else the ghost the nick already stands for (303 moves it), else {@link #anonymousGhost}.
   */
  UserId ofOccupant(MucRoom room, Jid occupant, MUCItem item) {
    if (item != null && item.getJid() != null) {
      return ghostIds.ghostOf(item.getJid().asBareJid());
    }
    UserId known = room.ghostByNick.get(occupant.getResourceOrEmpty().toString());
    return known != null ? known : anonymousGhost(room, occupant);
  }

  /** The ghost of a message's sender; with no presence seen for the nick (yet), looked up as for a presence. */
  UserId senderOf(MucRoom room, String nick, Jid occupant) {
    UserId known = room.ghostByNick.get(nick);
    if (known != null) {
      return known;
    }
    UserId resolved = anonymousGhost(room, occupant);
    UserId raced = room.ghostByNick.putIfAbsent(nick, resolved);
    return raced != null ? raced : resolved;
  }

  /**
   * The ghost of an anonymous occupant this run has not seen yet. One person keeps one ghost across renames and
   * restarts: the ghost row's remote id follows the occupant JID through every 303, so the ghost that last stood for
   * this occupant JID is theirs (they renamed before a restart). Else the ghost named after the occupant JID, unless
   * that one followed its first holder's rename (it stands for another nick now, in this run or in the store): then
   * the next numbered ghost nobody holds. Reads the store; runs on the callback executor, a blocking pool.
   */
  private UserId anonymousGhost(MucRoom room, Jid occupant) {
    String remoteId = occupant.toString();
    java.util.Collection<UserId> inUse = room.ghostByNick.values();
    Optional<GhostStore.Ghost> holder = ghostStore.find(PROTOCOL, remoteId);
    if (holder.isPresent() && !inUse.contains(holder.get().userId())) {
      return holder.get().userId();
    }
    for (int n = 1; n < MAX_GHOST_NUMBER; n++) {
      UserId candidate = ghostIds.ghostOf(occupant, n);
      if (!inUse.contains(candidate) && ghostStore.find(candidate)
          .map(g -> g.remoteId().equals(remoteId)).orElse(true)) {
        return candidate;
      }
    }
    return ghostIds.ghostOf(occupant, MAX_GHOST_NUMBER);
  }

  /**
   * Registers the ghost of an occupant and gives it the nick as display name (again when the nick changed). The row's
   * remote id is the person: their real bare JID where the ghost is named after one, else the occupant JID they have
   * now (so a rename before a restart still finds their ghost, see anonymousGhost).
   */
  CompletableFuture<UserId> ensure(UserId ghost, Jid occupant, String nick) {
    if (nick.equals(ghostNames.get(ghost))) {
      return CompletableFuture.completedFuture(ghost);
    }
    String remoteId = ghostIds.jidOf(ghost).filter(j -> !j.hasResource()).map(Jid::toString)
        .orElse(occupant.toString());
    try {
      ghostStore.upsert(ghost, PROTOCOL, remoteId, nick, null);
    } catch (dev.switchboard.core.store.StoreException e) {
      // Bookkeeping only: the message still goes to Matrix from this ghost rather than being lost.
      log.warn("Ghost {} for {} in {} not recorded: {}", ghost, LogText.of(occupant), occupant.asBareJid(),
          LogText.of(e.getMessage()));
    }
    Intent intent = context.intents().ghost(ghost);
    return intent.ensureRegistered()
        .thenCompose(v -> intent.setDisplayName(nick))
        .thenApplyAsync(v -> {
          ghostStore.markRegistered(ghost);
          ghostNames.put(ghost, nick);
          return ghost;
        }, blocking);
  }

  /** Gives the ghost the power level of its affiliation and role, when that changed. */
  CompletableFuture<Void> syncPowerLevel(MucRoom room, UserId ghost, int level) {
    Integer known = room.ghostLevels.get(ghost);
    if (known != null && known == level) {
      return CompletableFuture.completedFuture(null);
    }
    Intent bot = context.intents().bot();
    return StateEdits.edit(bot, room.roomId, "m.room.power_levels", "", content -> {
      ObjectNode users = content.with("users");
      int current = users.path(ghost.value()).asInt(content.path("users_default").asInt(0));
      if (current == level) {
        return false;
      }
      if (level == content.path("users_default").asInt(0)) {
        users.remove(ghost.value());
      } else {
        users.put(ghost.value(), level);
      }
      return true;
    }).thenAccept(sent -> room.ghostLevels.put(ghost, level));
  }
}
