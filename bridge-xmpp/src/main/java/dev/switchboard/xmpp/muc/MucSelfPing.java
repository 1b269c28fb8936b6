package dev.switchboard.xmpp.muc;

import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.stanza.LogText;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.ping.packet.Ping;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.FullJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XEP-0410 self-ping: every {@code self_ping_interval_seconds}, the listener and each Matrix user's occupant ping
 * their own occupant JID. A MUC that forgot one (restarted without telling us, lost it in a netsplit) answers
 * {@code not-acceptable} or {@code item-not-found}: the listener rejoins at once (asking for the history it missed),
 * a user's occupant is dropped and rejoins when the user next speaks. Other errors (the MUC does not route pings)
 * and timeouts mean nothing.
 */
final class MucSelfPing {
  private static final Logger log = LoggerFactory.getLogger(MucSelfPing.class);

  private final MucRooms rooms;
  private final MucListener listener;
  private final ComponentConnection connection;
  private final Duration interval;
  private volatile ScheduledFuture<?> task;

  /** @param interval zero: off */
  MucSelfPing(MucRooms rooms, MucListener listener, ComponentConnection connection, Duration interval) {
    this.rooms = rooms;
    this.listener = listener;
    this.connection = connection;
    this.interval = interval;
  }

  void start(ScheduledExecutorService scheduler) {
    long every = interval.toMillis();
    if (every <= 0) {
      return;
    }
    task = scheduler.scheduleWithFixedDelay(() -> {
      try {
        pingAll();
      } catch (RuntimeException e) {
        log.warn("XEP-0410 self-ping round failed: {}", e.toString(), e);
      }
    }, every, every, TimeUnit.MILLISECONDS);
  }

  void stop() {
    ScheduledFuture<?> running = task;
    if (running != null) {
      running.cancel(false);
    }
  }

  private void pingAll() {
    if (connection.state() != ComponentConnection.State.READY) {
      return; // a reconnect rejoins everything anyway
    }
    for (MucRoom room : rooms.all()) {
      if (room.listenerJoined) {
        String nick = room.listenerNick;
        MucStanzas.occupant(room.muc, nick).ifPresent(occupant -> ping(rooms.listenerJid(), occupant)
            .thenAccept(gone -> {
              if (gone && room.listenerJoined && nick.equals(room.listenerNick) && rooms.get(room.muc) == room) {
                log.info("{} forgot the listener '{}' (XEP-0410 self-ping); rejoining", room.muc, LogText.of(nick));
                room.listenerJoined = false;
                listener.join(room);
              }
            }));
      }
      room.matrixOccupants.forEach((user, o) -> {
        if (!o.isJoined()) {
          return;
        }
        MucStanzas.occupant(room.muc, o.nick).ifPresent(occupant -> ping(rooms.fullJidOf(user), occupant)
            .thenAccept(gone -> {
              if (gone && room.matrixOccupants.remove(user, o)) {
                log.info("{} forgot {}'s occupant '{}' (XEP-0410 self-ping); it rejoins when they next speak",
                    room.muc, user, LogText.of(o.nick));
              }
            }));
      });
    }
  }

  /** Completes with true when the MUC says {@code from} is not {@code occupant} (any more). */
  private CompletableFuture<Boolean> ping(FullJid from, EntityFullJid occupant) {
    Ping ping = new Ping(occupant);
    ping.setFrom(from);
    ping.setStanzaId("sp-" + UUID.randomUUID());
    return connection.request(ping).handle((answer, err) -> {
      if (err != null || answer == null || answer.getType() != IQ.Type.error || answer.getError() == null) {
        return false;
      }
      StanzaError.Condition c = answer.getError().getCondition();
      return c == StanzaError.Condition.not_acceptable || c == StanzaError.Condition.item_not_found;
    });
  }
}
