package dev.switchboard.xmpp.muc;

import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jxmpp.jid.EntityBareJid;

/**
 * What the bridge knows of one bridged MUC while it runs: the listener occupant, the occupants of Matrix users,
 * the ids of messages we sent (to recognise their reflection), and XMPP → Matrix sends still in flight.
 */
final class MucRoom {
  final EntityBareJid muc;
  final RoomId roomId;

  /** The listener's nick and whether the MUC confirmed its join (self-presence, status 110). */
  volatile String listenerNick;
  volatile boolean listenerJoined;
  /** Where the listener's archive catch-up starts once its join is confirmed (null: none pending). */
  volatile java.util.Date catchUpSince;
  /** Messages that arrived while the archive catch-up runs (null: none running); on the callback executor only. */
  volatile java.util.List<org.jivesoftware.smack.packet.Message> heldDuringCatchUp;
  int listenerConflicts;

  /** Matrix users with an occupant in the MUC (or joining): user → occupant. */
  final Map<UserId, MatrixOccupant> matrixOccupants = new ConcurrentHashMap<>();

  /** Our message ids (origin-id) → the Matrix event they came from; bounded, oldest forgotten first. */
  private final Map<String, EventId> sent = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, EventId> eldest) {
      return size() > 2_000;
    }
  });

  /**
   * Remote occupants: current nick → their ghost. A nick change (status 303) moves the entry, so the person keeps
   * one ghost across nicks; without it the new nick would look like a new person.
   */
  final Map<String, UserId> ghostByNick = new ConcurrentHashMap<>();

  /** The power level last set for each ghost in the Matrix room, so unchanged roles cost no state event. */
  final Map<UserId, Integer> ghostLevels = new ConcurrentHashMap<>();

  /**
   * XMPP → Matrix sends that are queued for the homeserver but not answered yet: message-map key → the event they
   * will be. A correction, retraction, reply or reaction that names such a message waits on this instead of missing
   * it in the store (the entry goes only once the map rows are written).
   */
  final Map<String, CompletableFuture<EventId>> inFlight = new ConcurrentHashMap<>();

  MucRoom(EntityBareJid muc, RoomId roomId, String listenerNick) {
    this.muc = muc;
    this.roomId = roomId;
    this.listenerNick = listenerNick;
  }

  void rememberSent(String id, EventId event) {
    sent.put(id, event);
  }

  EventId sentEvent(String id) {
    return id == null ? null : sent.get(id);
  }

  /** True when {@code nick} is the listener or one of our Matrix users' occupants. */
  boolean isOurNick(String nick) {
    if (nick.equals(listenerNick)) {
      return true;
    }
    return matrixOccupants.values().stream().anyMatch(o -> nick.equals(o.nick) || nick.equals(o.wanted));
  }

  /**
   * A Matrix user's occupant: the nick the MUC knows it by, the nick asked for (differs while a join or nick change
   * is in flight, or after conflict suffixes), and its join in progress or done.
   */
  static final class MatrixOccupant {
    volatile String baseNick;
    volatile String nick;
    volatile String wanted;
    volatile int conflicts;
    final CompletableFuture<Void> joined = new CompletableFuture<>();

    MatrixOccupant(String nick) {
      this.baseNick = nick;
      this.nick = nick;
      this.wanted = nick;
    }

    boolean isJoined() {
      return joined.isDone() && !joined.isCompletedExceptionally();
    }
  }
}
