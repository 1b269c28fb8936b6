package dev.switchboard.xmpp.muc;

import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.stanza.LogText;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.packet.Presence;
import org.jxmpp.jid.EntityFullJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's listening occupant, one per bridged MUC: it hears every message (so the MUC's traffic reaches Matrix
 * even when no Matrix user has spoken) and speaks for relay users. Joins asking for the history it missed.
 */
final class MucListener {
  private static final Logger log = LoggerFactory.getLogger(MucListener.class);
  private static final int MAX_NICK_CONFLICTS = 5;

  private final MucRooms rooms;
  private final MucMarks marks;
  private final ComponentConnection connection;
  private final ScheduledExecutorService scheduler;
  private final Duration iqTimeout;
  private final Executor blocking;

  MucListener(MucRooms rooms, MucMarks marks, ComponentConnection connection, ScheduledExecutorService scheduler,
      Duration iqTimeout, Executor blocking) {
    this.rooms = rooms;
    this.marks = marks;
    this.connection = connection;
    this.scheduler = scheduler;
    this.iqTimeout = iqTimeout;
    this.blocking = blocking;
  }

  void join(MucRoom room) {
    Optional<EntityFullJid> occupant = MucStanzas.occupant(room.muc, room.listenerNick);
    if (occupant.isEmpty()) {
      log.warn("Listener nick '{}' is not valid in {}", room.listenerNick, room.muc);
      return;
    }
    CompletableFuture.supplyAsync(() -> marks.lastSeen(room.muc), blocking)
        .exceptionally(e -> Optional.empty())
        .thenAccept(since -> {
          room.catchUpSince = since.orElse(null);
          connection.send(MucStanzas.join(rooms.listenerJid(), occupant.get(), since));
        });
  }

  /** The MUC refused the listener: a taken nick is tried again with a suffix, anything else is logged. */
  void onError(MucRoom room, Presence presence) {
    if (MucStanzas.isConflict(presence) && room.listenerConflicts++ < MAX_NICK_CONFLICTS) {
      room.listenerNick = rooms.listenerNick() + "[" + (room.listenerConflicts + 1) + "]";
      join(room);
    } else {
      log.warn("The listener cannot join {}: {}", room.muc, LogText.of(presence.getError()));
    }
  }

  /** Completes once the listener is in the room, or after the IQ timeout (then the MUC's error is logged). */
  CompletableFuture<Void> in(MucRoom room) {
    if (room.listenerJoined) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> in = new CompletableFuture<>();
    java.util.concurrent.ScheduledFuture<?> poll = scheduler.scheduleWithFixedDelay(() -> {
      if (room.listenerJoined) {
        in.complete(null);
      }
    }, 50, 50, TimeUnit.MILLISECONDS);
    return in.completeOnTimeout(null, iqTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((v, e) -> poll.cancel(false));
  }
}
