package dev.switchboard.xmpp.muc;

import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.core.store.MessageMapStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jivesoftware.smack.packet.Message;
import org.jxmpp.jid.EntityBareJid;

/**
 * The Matrix events of MUC messages: those still being sent (in the room's memory until their rows are written),
 * else the message map. Keys: {@code sid:<MUC stanza-id>} and, for ids unique only per sender (XEP-0308 ids, MUCs
 * without stanza-id), {@code from:<ghost>/<id>}.
 */
final class MucEvents {
  private static final String PROTOCOL = "xmpp";

  private final MucRooms rooms;
  /** Group-committed: a busy MUC's rows share commits. */
  private final MessageMap messageMap;
  private final Executor blocking;

  MucEvents(MucRooms rooms, MessageMap messageMap, Executor blocking) {
    this.rooms = rooms;
    this.messageMap = messageMap;
    this.blocking = blocking;
  }

  /** The message-map key of a stanza id that is unique only per sender (XEP-0308 ids, MUCs without stanza-id). */
  static String senderKey(UserId ghost, String id) {
    return "from:" + ghost.value() + "/" + id;
  }

  /** Records that the MUC message {@code key} is {@code event}; completes once committed. */
  CompletableFuture<Void> record(MucRoom room, List<String> keys, EventId event) {
    return messageMap.recordAll(keys.stream().map(key -> new MessageMapStore.NewMapping(
        new MessageMapStore.RemoteMessage(PROTOCOL, room.muc.toString(), key), room.roomId, event)).toList());
  }

  /** The MUC's ids for a Matrix event in this MUC (blocking: JDBC). */
  List<String> idsOf(MucRoom room, EventId event) {
    String muc = room.muc.toString();
    return messageMap.byEvent(event).stream().filter(m -> m.remote().protocol().equals(PROTOCOL)
        && m.remote().remoteRoom().equals(muc)).map(m -> m.remote().remoteId()).toList();
  }

  /**
   * Whether {@code event} holds several MUC messages: the outbound queue sends a sender's waiting lines as one event
   * while the room is behind the homeserver. Counts the event's keys, of the messages still in flight (read first: a
   * message leaves the in-flight map only once its rows are written) and in the message map: one {@code sid:} or
   * {@code none:} key per message, or one {@code from:} key where the MUC gives no stanza-ids. Blocking (JDBC).
   */
  boolean holdsSeveralMessages(MucRoom room, EventId event) {
    java.util.Set<String> keys = new java.util.HashSet<>();
    room.inFlight.forEach((key, sent) -> {
      if (sent.isDone() && !sent.isCompletedExceptionally() && event.equals(sent.getNow(null))) {
        keys.add(key);
      }
    });
    keys.addAll(idsOf(room, event));
    long byStanzaId = keys.stream().filter(id -> id.startsWith("sid:") || id.startsWith("none:")).count();
    long bySender = keys.stream().filter(id -> id.startsWith("from:")).count();
    return Math.max(byStanzaId, bySender) > 1;
  }

  /**
   * True for MUC history (XEP-0203 delay) the bridge already bridged, e.g. after the rejoin of a restart, which asks
   * for a little more than it missed. Checked here, not left to txn ids: the sender may have renamed since, and a
   * ghost resolved from the old nick now could post it again under another user's txn ids. Reads the message map
   * (history only, on the callback executor, a blocking pool).
   */
  boolean isBridgedHistory(MucRoom room, Message message, String stanzaId) {
    if (org.jivesoftware.smackx.delay.packet.DelayInformation.from(message) == null) {
      return false;
    }
    String key = "sid:" + stanzaId;
    return room.inFlight.containsKey(key) || messageMap.byRemote(
        new MessageMapStore.RemoteMessage(PROTOCOL, room.muc.toString(), key)).isPresent();
  }

  /**
   * The Matrix event of a message the sender refers to by {@code id}: their own stanza id first (so one occupant
   * can never touch another's message through it), then the MUC's stanza-id; a message still being sent is waited
   * for, the store is read off this thread.
   */
  CompletableFuture<Optional<EventId>> ofSender(MucRoom room, UserId sender, String id) {
    CompletableFuture<EventId> pending = room.inFlight.get(senderKey(sender, id));
    if (pending == null) {
      pending = room.inFlight.get("sid:" + id);
    }
    if (pending != null) {
      return settled(pending);
    }
    String muc = room.muc.toString();
    return CompletableFuture.supplyAsync(() -> messageMap.byRemote(
            new MessageMapStore.RemoteMessage(PROTOCOL, muc, senderKey(sender, id)))
        .or(() -> messageMap.byRemote(new MessageMapStore.RemoteMessage(PROTOCOL, muc, "sid:" + id)))
        .map(MessageMapStore.MessageMapping::eventId), blocking);
  }

  /**
   * The Matrix event of a MUC stanza-id (reactions, markers): a message still being sent is waited for, else the
   * message map (read off the caller's thread).
   */
  CompletableFuture<Optional<EventId>> ofStanzaId(EntityBareJid muc, String sid) {
    MucRoom room = rooms.get(muc);
    CompletableFuture<EventId> pending = room == null ? null : room.inFlight.get("sid:" + sid);
    if (pending != null) {
      return settled(pending);
    }
    return CompletableFuture.supplyAsync(() -> messageMap.byRemote(
            new MessageMapStore.RemoteMessage(PROTOCOL, muc.toString(), "sid:" + sid))
        .map(MessageMapStore.MessageMapping::eventId), blocking);
  }

  /** A send still in flight, as the event it became (empty if it failed). */
  static CompletableFuture<Optional<EventId>> settled(CompletableFuture<EventId> pending) {
    return pending.handle((e, err) -> Optional.ofNullable(err == null ? e : null));
  }
}
