package dev.switchboard.xmpp.muc;

import static dev.switchboard.core.failure.Failures.rootCause;

import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.HubSettings;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.stanza.LogText;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smackx.muc.packet.MUCItem;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matrix users' own occupants in bridged MUCs: joined when the user first speaks, named after their display name
 * (another network's ghost as {@code name[network]}), renamed with it, and dropped when the MUC drops them.
 */
final class MucOccupants {
  private static final Logger log = LoggerFactory.getLogger(MucOccupants.class);
  private static final int MAX_NICK_CONFLICTS = 5;

  private final ConnectorContext context;
  private final MucRooms rooms;
  private final ComponentConnection connection;
  private final XmppGhostIds ghostIds;
  private final HubSettings hub;
  private final Duration iqTimeout;

  MucOccupants(ConnectorContext context, MucRooms rooms, ComponentConnection connection, XmppGhostIds ghostIds,
      HubSettings hub, Duration iqTimeout) {
    this.context = context;
    this.rooms = rooms;
    this.connection = connection;
    this.ghostIds = ghostIds;
    this.hub = hub;
    this.iqTimeout = iqTimeout;
  }

  /**
   * {@link #ensure}, but a join the lost stream cancelled (or that could not be answered while the server was
   * down) is tried again once the stream is back, so a message sent during an outage is delivered, not dropped.
   */
  CompletableFuture<Void> ensureSurvivingOutages(MucRoom room, UserId user) {
    return ensure(room, user).exceptionallyCompose(e -> {
      Throwable cause = rootCause(e);
      boolean outage = cause instanceof ComponentConnection.DisconnectedException
          || (cause instanceof TimeoutException && connection.state() != ComponentConnection.State.READY);
      return outage ? connection.whenReady().thenCompose(v -> ensure(room, user))
          : CompletableFuture.failedFuture(cause);
    });
  }

  /** Joins the user's own occupant if not yet there; completes when the MUC confirmed it. */
  CompletableFuture<Void> ensure(MucRoom room, UserId user) {
    MucRoom.MatrixOccupant existing = room.matrixOccupants.get(user);
    if (existing != null && !existing.joined.isCompletedExceptionally()) {
      return existing.joined;
    }
    return nickOf(room.roomId, user).thenCompose(nick -> {
      MucRoom.MatrixOccupant fresh = new MucRoom.MatrixOccupant(nick);
      MucRoom.MatrixOccupant o = room.matrixOccupants.compute(user, (u, old) ->
          old != null && !old.joined.isCompletedExceptionally() ? old : fresh);
      if (o == fresh) {
        sendJoin(room, user, o);
        // The answer cannot come while the stream is down: the clock starts when it is up.
        connection.whenReady().thenRun(() -> o.joined.orTimeout(iqTimeout.toMillis(), TimeUnit.MILLISECONDS));
        o.joined.whenComplete((v, e) -> {
          if (e != null) {
            room.matrixOccupants.remove(user, o);
            if (e instanceof TimeoutException) {
              log.warn("{} got no answer joining {} as '{}'", user, room.muc, LogText.of(o.nick));
            }
          }
        });
      }
      return o.joined;
    });
  }

  /** The user left the Matrix room (or was banned): their occupant leaves the MUC. */
  void leave(MucRoom room, UserId user) {
    MucRoom.MatrixOccupant o = room.matrixOccupants.remove(user);
    if (o != null) {
      MucStanzas.occupant(room.muc, o.nick)
          .ifPresent(occ -> connection.send(MucStanzas.leave(rooms.fullJidOf(user), occ)));
    }
  }

  /** Joins the occupant as {@code o.wanted}, or, once joined, changes its nick to that (XEP-0045 § 7.6). */
  private void sendJoin(MucRoom room, UserId user, MucRoom.MatrixOccupant o) {
    Optional<EntityFullJid> occupant = MucStanzas.occupant(room.muc, o.wanted);
    if (occupant.isEmpty()) {
      if (o.isJoined()) {
        o.wanted = o.nick;
      } else {
        o.joined.completeExceptionally(new IllegalArgumentException("nick '" + o.wanted + "' is not valid"));
      }
      return;
    }
    connection.send(o.isJoined() ? MucStanzas.changeNick(rooms.fullJidOf(user), occupant.get())
        : MucStanzas.join(rooms.fullJidOf(user), occupant.get(), Optional.empty()));
  }

  /** A presence from the MUC to one of our users' occupants: join confirmed or refused, renamed, removed. */
  void onPresence(MucRoom room, UserId user, Presence presence, MUCUser x, boolean self) {
    MucRoom.MatrixOccupant o = room.matrixOccupants.get(user);
    if (o == null) {
      return;
    }
    if (presence.getType() == Presence.Type.error) {
      if (MucStanzas.isConflict(presence) && ++o.conflicts <= MAX_NICK_CONFLICTS) {
        o.wanted = o.conflicts == 1 ? o.baseNick + "[m]" : o.baseNick + "[m" + o.conflicts + "]";
        if (!o.isJoined()) {
          o.nick = o.wanted;
        }
        sendJoin(room, user, o);
      } else if (o.isJoined()) {
        log.info("{} keeps nick '{}' in {}: {}", user, LogText.of(o.nick), room.muc, LogText.of(presence.getError()));
        o.wanted = o.nick;
      } else {
        room.matrixOccupants.remove(user, o);
        o.joined.completeExceptionally(new IllegalStateException(user + " cannot join " + room.muc + ": "
            + presence.getError()));
      }
    } else if (self && presence.getType() == Presence.Type.available) {
      // The MUC may have changed the nick we asked for (XEP-0045 § 7.2.9, status 210): it is what it says.
      o.nick = presence.getFrom().getResourceOrEmpty().toString();
      o.wanted = o.nick;
      o.joined.complete(null);
    } else if (self && presence.getType() == Presence.Type.unavailable) {
      MUCItem item = x.getItem();
      if (x.getStatus().contains(MUCUser.Status.NEW_NICKNAME_303) && item != null && item.getNick() != null) {
        o.nick = item.getNick().toString();
        return;
      }
      room.matrixOccupants.remove(user, o);
      if (x.getStatus().contains(MUCUser.Status.KICKED_307) || x.getStatus().contains(MUCUser.Status.BANNED_301)) {
        log.info("{} was removed from {} ({})", user, room.muc, x.getStatus());
      }
    }
  }

  /** A member event of a Matrix user with an occupant: a new display name becomes a nick change. */
  void followDisplayName(MucRoom room, UserId user, String displayName) {
    MucRoom.MatrixOccupant o = room.matrixOccupants.get(user);
    if (o == null || !o.isJoined()) {
      return;
    }
    String nick = cleanNick(context.foreignGhosts().networkOf(user)
        .map(n -> hub.nameOf(displayName.isBlank() ? user.localpart() : displayName, n)).orElse(displayName), user);
    if (nick.equals(o.baseNick)) {
      return;
    }
    o.baseNick = nick;
    o.conflicts = 0;
    o.wanted = nick;
    sendJoin(room, user, o);
  }

  /** The user's display name in the room, else the localpart; cleaned for XMPP. */
  CompletableFuture<String> nickOf(RoomId room, UserId user) {
    Optional<String> network = ghostIds.isGhost(user) ? Optional.empty() : context.foreignGhosts().networkOf(user);
    return context.intents().bot().getState(room, "m.room.member", user.value())
        .handle((state, err) -> {
          String name = err == null && state != null ? state.path("displayname").asText("") : "";
          // Another network's ghost shows with its network (alice[irc]); an empty name falls back to the localpart.
          return cleanNick(network.map(n -> hub.nameOf(name.isBlank() ? user.localpart() : name, n)).orElse(name),
              user);
        });
  }

  /** A display name as a nick: cleaned for XMPP; the localpart where nothing usable is left. */
  private static String cleanNick(String displayName, UserId user) {
    String name = dev.switchboard.xmpp.stanza.XmlText.clean(displayName).strip();
    if (name.isEmpty() || MucStanzas.occupant(JidCreate.entityBareFromOrThrowUnchecked("a@b"), name).isEmpty()) {
      name = user.localpart();
    }
    return name;
  }
}
