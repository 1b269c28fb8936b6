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
 * the ids of messages we sent (to recognise their reflection), and the chain that keeps XMPP → Matrix in order.
 */
final class MucRoom {
  final EntityBareJid muc;
  final RoomId roomId;

  /** The listener's nick and whether the MUC confirmed its join (self-presence, status 110). */
  volatile String listenerNick;
  volatile boolean listenerJoined;
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

  /** XMPP → Matrix work for this room runs one after another along this chain. */
  CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

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
    return matrixOccupants.values().stream().anyMatch(o -> nick.equals(o.nick));
  }

  /** A Matrix user's occupant: its nick (after conflict suffixes) and its join in progress or done. */
  static final class MatrixOccupant {
    final String baseNick;
    volatile String nick;
    volatile int conflicts;
    final CompletableFuture<Void> joined = new CompletableFuture<>();

    MatrixOccupant(String nick) {
      this.baseNick = nick;
      this.nick = nick;
    }
  }
}
