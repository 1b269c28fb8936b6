package dev.switchboard.xmpp.muc;

import static dev.switchboard.core.failure.Failures.rootCause;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.TopicRelay;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.format.XmppFormatting;
import dev.switchboard.xmpp.message.Edits;
import dev.switchboard.xmpp.message.Replies;
import dev.switchboard.xmpp.message.Retraction;
import dev.switchboard.xmpp.stanza.LogText;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jivesoftware.smackx.muc.packet.MUCItem;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jxmpp.jid.Jid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XMPP → Matrix for bridged MUCs: occupants' presences become their ghosts' joins, leaves, kicks and power levels;
 * messages (text, corrections, replies, retractions, subjects, and what the hooks take) are posted by the ghosts, in
 * each room's order, behind the listener's archive catch-up after a rejoin.
 */
final class MucToMatrix {
  private static final Logger log = LoggerFactory.getLogger(MucToMatrix.class);
  /** Messages kept back while the listener catches up from the archive (normally well under a second). */
  private static final int MAX_HELD_DURING_CATCH_UP = 10_000;

  private final ConnectorContext context;
  private final MucRooms rooms;
  private final MucGhosts ghosts;
  private final MucOccupants occupants;
  private final MucListener listener;
  private final MucEvents events;
  private final MucReplies replies;
  private final MucMarks marks;
  private final MucCatchUp catchUp;
  private final Executor blocking;
  private final List<MucBridge.MessageHook> hooks;

  MucToMatrix(ConnectorContext context, MucRooms rooms, MucGhosts ghosts, MucOccupants occupants,
      MucListener listener, MucEvents events, MucReplies replies, MucMarks marks, MucCatchUp catchUp,
      List<MucBridge.MessageHook> hooks) {
    this.context = context;
    this.rooms = rooms;
    this.ghosts = ghosts;
    this.occupants = occupants;
    this.listener = listener;
    this.events = events;
    this.replies = replies;
    this.marks = marks;
    this.catchUp = catchUp;
    this.blocking = context.blockingExecutor();
    this.hooks = hooks;
  }

  /** A presence or message from a MUC (callback executor, in stream order). */
  void onStanza(Stanza stanza) {
    Jid from = stanza.getFrom();
    if (from == null || catchUp.take(stanza)) {
      return;
    }
    MucRoom room = from.asEntityBareJidIfPossible() == null ? null : rooms.get(from.asEntityBareJidIfPossible());
    if (room == null) {
      log.debug("Ignoring a {} from {}: no portal", stanza.getClass().getSimpleName(), LogText.of(from));
      return;
    }
    if (stanza instanceof Presence presence) {
      onPresence(room, presence);
    } else if (stanza instanceof Message message) {
      onMessage(room, message);
    }
  }

  private void onPresence(MucRoom room, Presence presence) {
    String nick = presence.getFrom().getResourceOrEmpty().toString();
    Jid to = presence.getTo();
    MUCUser x = MUCUser.from(presence);
    boolean self = x != null && x.getStatus().contains(MUCUser.Status.PRESENCE_TO_SELF_110);
    if (to != null && !to.equals(rooms.listenerJid())) {
      rooms.userOf(to).ifPresent(user -> occupants.onPresence(room, user, presence, x, self));
      return;
    }
    if (presence.getType() == Presence.Type.error) {
      listener.onError(room, presence);
      return;
    }
    if (nick.isEmpty()) {
      return;
    }
    if (self || room.isOurNick(nick)) {
      if (self) {
        onListenerPresence(room, presence);
      }
      return;
    }
    Jid occupant = presence.getFrom();
    MUCItem item = x == null ? null : x.getItem();
    if (presence.getType() == Presence.Type.available) {
      UserId ghost = ghosts.ofOccupant(room, occupant, item);
      room.ghostByNick.put(nick, ghost);
      int level = item == null ? 0 : MucRoles.powerLevel(item.getAffiliation(), item.getRole());
      rooms.inOrder(room, () -> ghosts.ensure(ghost, occupant, nick)
          .thenCompose(g -> context.intents().ghost(g).ensureJoined(room.roomId))
          .thenCompose(v -> ghosts.syncPowerLevel(room, ghost, level)));
    } else if (presence.getType() == Presence.Type.unavailable) {
      Set<MUCUser.Status> status = x == null ? Set.of() : x.getStatus();
      UserId ghost = room.ghostByNick.remove(nick);
      UserId left = ghost != null ? ghost : ghosts.ofOccupant(room, occupant, item);
      String reason = item == null || item.getReason() == null ? "" : item.getReason();
      if (status.contains(MUCUser.Status.NEW_NICKNAME_303) && item != null && item.getNick() != null) {
        // XEP-0045 § 7.6: the same person comes back as the new nick; the ghost follows, nobody leaves.
        room.ghostByNick.put(item.getNick().toString(), left);
      } else if (status.contains(MUCUser.Status.BANNED_301)) {
        rooms.inOrder(room, () -> context.intents().bot().ban(room.roomId, left, "banned in XMPP: " + reason));
      } else if (status.contains(MUCUser.Status.KICKED_307)) {
        rooms.inOrder(room, () -> context.intents().bot().kick(room.roomId, left, "kicked in XMPP: " + reason));
      } else {
        rooms.inOrder(room, () -> context.intents().ghost(left).leave(room.roomId));
      }
    }
  }

  /** The listener's own presence: in or out; once in after a rejoin, the archive fills the gap first. */
  private void onListenerPresence(MucRoom room, Presence presence) {
    room.listenerJoined = presence.getType() == Presence.Type.available;
    java.util.Date since = room.catchUpSince;
    if (room.listenerJoined && since != null) {
      // The join's history holds at most the MUC's history length: the archive has the rest of the gap.
      room.catchUpSince = null;
      room.heldDuringCatchUp = new ArrayList<>();
      // All on the callback executor, in stream order: the archive's pages, then what arrived meanwhile.
      catchUp.since(room.muc, since, archived -> bridgeSafely(room, archived, false)).whenComplete((v, e) -> {
        List<Message> held = room.heldDuringCatchUp;
        room.heldDuringCatchUp = null;
        if (held != null) {
          held.forEach(m -> bridgeSafely(room, m, false)); // may repeat the archive's newest
        }
      });
    }
  }

  private void bridgeSafely(MucRoom room, Message message, boolean once) {
    try {
      bridgeMessage(room, message, once);
    } catch (RuntimeException e) {
      log.warn("Message in {} not bridged: {}", room.muc, LogText.of(e));
    }
  }

  private void onMessage(MucRoom room, Message message) {
    List<Message> held = room.heldDuringCatchUp;
    if (held != null) {
      // Behind the archive's older messages, so Matrix gets the room in order (the join's history and live ones).
      if (held.size() < MAX_HELD_DURING_CATCH_UP) {
        held.add(message);
      } else {
        log.warn("{}: more than {} messages during the archive catch-up; bridging this one now", room.muc,
            MAX_HELD_DURING_CATCH_UP);
        bridgeMessage(room, message, false);
      }
      return;
    }
    bridgeMessage(room, message, DelayInformation.from(message) == null);
  }

  /**
   * @param once the MUC delivers this message only once (live, not held behind a catch-up): only then may it be merged
   *     with the sender's next lines, since a message that can come twice relies on its own txn id to be dropped
   */
  private void bridgeMessage(MucRoom room, Message message, boolean once) {
    if (message.getType() == Message.Type.error) {
      log.info("Error from {} to {}: {}", LogText.of(message.getFrom()), message.getTo(),
          LogText.of(message.getError()));
      return;
    }
    if (message.getType() != Message.Type.groupchat || !rooms.listenerJid().equals(message.getTo())) {
      return; // copies for our Matrix users' occupants: the listener's copy is enough
    }
    long receivedMs = context.clock().millis();
    String nick = message.getFrom().getResourceOrEmpty().toString();
    Optional<String> stanzaId = MucStanzas.stanzaIdBy(message, room.muc);
    EventId ours = room.sentEvent(MucStanzas.originId(message).orElse(message.getStanzaId()));
    if (ours != null || (!nick.isEmpty() && room.isOurNick(nick))) {
      // The MUC reflects what we sent; remember its stanza-id for later references, send nothing back.
      if (ours != null && stanzaId.isPresent()) {
        // Known in memory until the row is written, so a reaction or reply right behind it finds it.
        String sidKey = "sid:" + stanzaId.get();
        CompletableFuture<EventId> known = CompletableFuture.completedFuture(ours);
        room.inFlight.put(sidKey, known);
        events.record(room, List.of(sidKey), ours).whenComplete((v, e) -> room.inFlight.remove(sidKey, known));
      }
      return;
    }
    if (nick.isEmpty()) {
      return; // a message from the room itself (status notices)
    }
    if (stanzaId.isPresent() && events.isBridgedHistory(room, message, stanzaId.get())) {
      return;
    }
    Jid occupant = message.getFrom();
    UserId sender = ghosts.senderOf(room, nick, occupant);
    String key = stanzaId.map(id -> "sid:" + id)
        .orElseGet(() -> message.getStanzaId() != null ? MucEvents.senderKey(sender, message.getStanzaId())
            : "none:" + UUID.randomUUID());
    String txn = "xmpp|" + room.muc + "|" + key;
    for (MucBridge.MessageHook hook : hooks) {
      Optional<Supplier<CompletableFuture<?>>> work = hook.onMucMessage(room.roomId, room.muc, sender, message);
      if (work.isPresent()) {
        rooms.inOrder(room, work.get());
        return;
      }
    }
    Optional<String> retracted = Retraction.targetOf(message);
    if (retracted.isPresent()) {
      // Checked before the body: a retraction carries a fallback body for old clients.
      rooms.inOrder(room, () -> events.ofSender(room, sender, retracted.get())
          .thenAccept(target -> target.ifPresent(t -> whenAnswered(room,
              context.intents().ghost(sender).redact(room.roomId, t, "retracted in XMPP", txn), "retraction"))));
      return;
    }
    String body = message.getBody();
    Optional<Replies.Reply> reply = body == null ? Optional.empty() : Replies.of(message);
    if (reply.isPresent()) {
      body = Replies.withoutFallback(message, body);
    }
    if (body == null) {
      String subject = message.getSubject();
      if (subject != null) {
        rooms.inOrder(room, () -> setTopic(room, subject));
      }
      return;
    }
    // The styling directives stay in the plain body.
    ObjectNode content = XmppFormatting.contentOf(message, body);
    MessageCorrectExtension correction = MessageCorrectExtension.from(message);
    String ownKey = message.getStanzaId() != null && correction == null
        ? MucEvents.senderKey(sender, message.getStanzaId()) : null; // XEP-0308 corrections name the sender's own id
    // The step ends once the send is queued: the outbound queue keeps the room's order, and the next message must
    // not wait for this one's round trip to the homeserver. Look-ups happen only for corrections and replies.
    rooms.inOrder(room, () -> ghosts.ensure(sender, occupant, nick)
        .thenCompose(ghost -> correction != null ? correctable(room, sender, correction.getIdInitialMessage())
            : reply.isPresent() ? replyTarget(room, reply.get()) : CompletableFuture.completedFuture(Optional.empty()))
        .thenAccept(related -> {
          ObjectNode toSend = content;
          if (correction != null) {
            toSend = related.map(r -> Edits.replacing(r, content)).orElse(content);
          } else {
            related.ifPresent(t ->
                content.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", t.value()));
          }
          // A plain live line (no edit, no reply) may be merged with the sender's next lines while the room is behind;
          // not in a hub room, whose events the other links relay line by line.
          post(room, sender, toSend, txn, key, ownKey, receivedMs,
              once && related.isEmpty() && !context.portals().isHub(room.roomId));
        }));
  }

  /**
   * The event an XEP-0308 correction replaces, unless it holds several lines (merged while the room was behind): an
   * edit of it would replace them all with the one corrected line, so the correction is then posted as a new line.
   */
  private CompletableFuture<Optional<EventId>> correctable(MucRoom room, UserId sender, String id) {
    return events.ofSender(room, sender, id).thenApplyAsync(target -> target.filter(event -> {
      boolean merged = events.holdsSeveralMessages(room, event);
      if (merged) {
        log.debug("Correction in {} of a line sent merged with others in {}: posted as a new line", room.muc, event);
      }
      return !merged;
    }), blocking);
  }

  /** Queues the ghost's message; once it is an event, its keys go into the message map. */
  private void post(MucRoom room, UserId sender, ObjectNode content, String txn, String key, String ownKey,
      long receivedMs, boolean line) {
    Intent ghost = context.intents().ghost(sender);
    CompletableFuture<EventId> sent = line ? ghost.sendLine(room.roomId, content, txn, Optional.empty())
        : ghost.sendMessage(room.roomId, content, txn);
    room.inFlight.put(key, sent);
    if (ownKey != null) {
      room.inFlight.put(ownKey, sent);
    }
    sent.handle((event, err) -> {
      if (err != null) {
        log.warn("XMPP -> Matrix message in {} ({}) failed: {}", room.roomId, room.muc, rootCause(err).toString());
        return CompletableFuture.completedFuture((Void) null);
      }
      List<String> keys = ownKey != null ? List.of(key, ownKey) : List.of(key);
      return events.record(room, keys, event).thenRun(() -> marks.markSeen(room.muc, receivedMs));
    }).thenCompose(f -> f).whenComplete((v, e) -> {
      // Only after the rows are written, so a look-up finds the message in one place or the other.
      room.inFlight.remove(key, sent);
      if (ownKey != null) {
        room.inFlight.remove(ownKey, sent);
      }
    });
  }

  /** Logs a queued homeserver write that failed for good; the room's chain does not wait for its answer. */
  private void whenAnswered(MucRoom room, CompletableFuture<?> write, String what) {
    write.whenComplete((r, err) -> {
      if (err != null) {
        log.warn("XMPP -> Matrix {} in {} ({}) failed: {}", what, room.roomId, room.muc, rootCause(err).toString());
      }
    });
  }

  /** The event an XMPP reply answers: a message still being sent, else the message map (off this thread). */
  private CompletableFuture<Optional<EventId>> replyTarget(MucRoom room, Replies.Reply reply) {
    CompletableFuture<EventId> pending = room.inFlight.get("sid:" + reply.id());
    if (pending == null) {
      pending = reply.to().map(to -> to.substring(to.indexOf('/') + 1)).map(room.ghostByNick::get)
          .map(ghost -> room.inFlight.get(MucEvents.senderKey(ghost, reply.id()))).orElse(null);
    }
    if (pending != null) {
      return MucEvents.settled(pending);
    }
    return CompletableFuture.supplyAsync(() -> replies.incoming(room, reply), blocking);
  }

  private CompletableFuture<Void> setTopic(MucRoom room, String subject) {
    Intent bot = context.intents().bot();
    return bot.getState(room.roomId, "m.room.topic", "")
        .handle((state, err) -> err == null && state != null ? state.path("topic").asText("") : "")
        .thenCompose(current -> current.equals(subject) ? CompletableFuture.completedFuture(null)
            : bot.sendState(room.roomId, "m.room.topic", "", TopicRelay.mark(
                // Marked with its link, so a hub room's other links get it too.
                JsonNodeFactory.instance.objectNode().put("topic", subject), "xmpp", room.muc.toString()))
                .thenApply(e -> null));
  }
}
