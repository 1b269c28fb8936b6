package dev.switchboard.xmpp.muc;

import dev.switchboard.xmpp.LinkEvents;
import dev.switchboard.xmpp.stanza.LogText;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixReaction;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.message.ChatMarkers;
import dev.switchboard.xmpp.message.Fallback;
import dev.switchboard.xmpp.message.Reactions;
import dev.switchboard.xmpp.stanza.StanzaIds;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.chatstates.ChatState;
import org.jivesoftware.smackx.chatstates.packet.ChatStateExtension;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reactions (XEP-0444 ↔ {@code m.reaction}), chat states (XEP-0085 ↔ typing) and read markers (XEP-0333 ↔ read
 * receipts) between MUC portals and their rooms. XEP-0444 sends each person's complete set for a message, Matrix
 * one event per reaction: both sides' current sets are kept here (in memory, so a restart forgets them).
 */
public final class MucInteractions implements MucBridge.MessageHook, LinkEvents {
  private static final Logger log = LoggerFactory.getLogger(MucInteractions.class);
  private static final String PROTOCOL = "xmpp";
  private static final int TYPING_TIMEOUT_MS = 30_000;

  private final ConnectorContext context;
  private final MucBridge mucs;
  private final XmppGhostIds ghostIds;
  private final MessageMap messageMap;
  private final Executor blocking;

  /** Matrix → XMPP: per "user|target event", the user's reaction events and their keys, in order. */
  private final Map<String, LinkedHashMap<EventId, String>> matrixSets = new ConcurrentHashMap<>();
  /** A Matrix reaction event → its "user|target" set key, so its redaction finds the set. */
  private final Map<EventId, String> matrixReactionSet = new ConcurrentHashMap<>();
  /** XMPP → Matrix: per "ghost|target event", each emoji's reaction event. */
  private final Map<String, Map<String, CompletableFuture<EventId>>> xmppSets = new ConcurrentHashMap<>();
  /** XMPP → Matrix typing: per "room|ghost", the last typing call, so on/off stay in order. */
  private final Map<String, CompletableFuture<Void>> typingChains = new ConcurrentHashMap<>();
  /** Who was typing in each room at the last {@code m.typing}. */
  private final Map<RoomId, Set<UserId>> typing = new ConcurrentHashMap<>();

  public MucInteractions(ConnectorContext context, MucBridge mucs, XmppGhostIds ghostIds, MessageMap messageMap) {
    this.context = context;
    this.mucs = mucs;
    this.ghostIds = ghostIds;
    this.messageMap = messageMap;
    this.blocking = context.blockingExecutor();
  }

  // ---- Matrix -> XMPP

  /** True for a redaction of a reaction this class bridged (the rest are retractions of messages). */
  public boolean takes(MatrixRedaction redaction) {
    return matrixReactionSet.containsKey(redaction.redacts());
  }

  /** A reaction: the sender's occupant sends their whole current set for the message (XEP-0444). */
  @Override
  public CompletableFuture<Void> onReaction(MatrixReaction reaction, Link link) {
    MatrixEvent event = reaction.event();
    if (ghostIds.isGhost(event.sender()) || reaction.key().isEmpty()) {
      return done();
    }
    EventId target = reaction.target();
    String setKey = event.sender().value() + "|" + target.value();
    matrixSets.computeIfAbsent(setKey, k -> new LinkedHashMap<>()).put(event.eventId(), reaction.key());
    matrixReactionSet.put(event.eventId(), setKey);
    return sendSet(event, link, setKey, target);
  }

  /** A redaction of a bridged reaction: the set without it goes out. */
  @Override
  public CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    MatrixEvent event = redaction.event();
    if (ghostIds.isGhost(event.sender())) {
      return done();
    }
    EventId reaction = redaction.redacts();
    String setKey = matrixReactionSet.remove(reaction);
    if (setKey == null) {
      return done();
    }
    LinkedHashMap<EventId, String> set = matrixSets.get(setKey);
    if (set != null) {
      set.remove(reaction);
    }
    return sendSet(event, link, setKey, EventId.of(setKey.substring(setKey.indexOf('|') + 1)));
  }

  private CompletableFuture<Void> sendSet(MatrixEvent event, Link link, String setKey, EventId target) {
    Set<String> current = new LinkedHashSet<>(matrixSets.getOrDefault(setKey, new LinkedHashMap<>()).values());
    String muc = link.remoteId();
    String id = StanzaIds.of(event.eventId().value());
    return CompletableFuture.supplyAsync(() -> stanzaIdOf(target, muc), blocking)
        .thenCompose(sid -> mucs.sendAsOccupant(link, event.sender(), id, event.eventId(), from ->
            StanzaBuilder.buildMessage(id).from(from).to(JidCreate.entityBareFromOrThrowUnchecked(muc))
                .ofType(Message.Type.groupchat)
                .addExtension(new Reactions(sid, current))
                .addExtension(Fallback.store())
                .build()));
  }

  /** Typing and read receipts of a room with a MUC link. */
  public CompletableFuture<Void> onEphemeral(JsonNode event, Link link) {
    switch (event.path("type").asText()) {
      case "m.typing" -> onTyping(event.path("content"), link);
      case "m.receipt" -> {
        return onReceipts(event.path("content"), link);
      }
      default -> {
        // presence and the rest: not bridged
      }
    }
    return done();
  }

  private void onTyping(JsonNode content, Link link) {
    Set<UserId> now = new HashSet<>();
    content.path("user_ids").forEach(u -> {
      try {
        UserId user = UserId.of(u.asText());
        if (!ghostIds.isGhost(user)) {
          now.add(user);
        }
      } catch (IllegalArgumentException e) {
        log.debug("m.typing in {} names '{}', not a user id", link.roomId(), u.asText());
      }
    });
    Set<UserId> before = typing.getOrDefault(link.roomId(), Set.of());
    typing.put(link.roomId(), now);
    for (UserId user : now) {
      if (!before.contains(user)) {
        mucs.sendIfJoined(link, user, from -> chatState(from, link, ChatState.composing));
      }
    }
    for (UserId user : before) {
      if (!now.contains(user)) {
        mucs.sendIfJoined(link, user, from -> chatState(from, link, ChatState.active));
      }
    }
  }

  private static Message chatState(org.jxmpp.jid.FullJid from, Link link, ChatState state) {
    return StanzaBuilder.buildMessage("cs-" + UUID.randomUUID()).from(from)
        .to(JidCreate.entityBareFromOrThrowUnchecked(link.remoteId())).ofType(Message.Type.groupchat)
        .addExtension(new ChatStateExtension(state)).build();
  }

  /** {@code m.read} receipts (never {@code m.read.private}) of users already in the MUC become displayed markers. */
  private CompletableFuture<Void> onReceipts(JsonNode content, Link link) {
    Map<EventId, Set<UserId>> reads = new LinkedHashMap<>();
    content.fields().forEachRemaining(e -> e.getValue().path("m.read").fieldNames().forEachRemaining(u -> {
      try {
        UserId user = UserId.of(u);
        if (!ghostIds.isGhost(user)) {
          reads.computeIfAbsent(EventId.of(e.getKey()), k -> new HashSet<>()).add(user);
        }
      } catch (IllegalArgumentException bad) {
        log.debug("m.receipt in {} with a bad id: {}", link.roomId(), LogText.of(bad.getMessage()));
      }
    }));
    if (reads.isEmpty()) {
      return done();
    }
    return CompletableFuture.runAsync(() -> reads.forEach((event, users) -> {
      Optional<String> sid = mucStanzaIdOf(event, link.remoteId());
      sid.ifPresent(id -> users.forEach(user -> mucs.sendIfJoined(link, user, from ->
          StanzaBuilder.buildMessage("mk-" + UUID.randomUUID()).from(from)
              .to(JidCreate.entityBareFromOrThrowUnchecked(link.remoteId())).ofType(Message.Type.groupchat)
              .addExtension(ChatMarkers.displayed(id)).build())));
    }), blocking);
  }

  // ---- XMPP -> Matrix (a MucBridge hook: runs in the room's order)

  @Override
  public Optional<Supplier<CompletableFuture<?>>> onMucMessage(RoomId room, EntityBareJid muc, UserId sender,
      Message message) {
    Optional<Reactions> reactions = Reactions.from(message);
    if (reactions.isPresent()) {
      String reactionId = message.getStanzaId() != null ? message.getStanzaId() : UUID.randomUUID().toString();
      return Optional.of(() -> applyReactions(room, muc, sender, reactions.get(), reactionId));
    }
    if (message.getBody() != null) {
      return Optional.empty();
    }
    Optional<String> displayed = ChatMarkers.displayedId(message);
    if (displayed.isPresent()) {
      // Receipts only move forward, so the room's later messages need not wait for this one's answer.
      return Optional.of(() -> mucs.eventOfStanzaId(muc, displayed.get()).thenAccept(event -> event.ifPresent(e ->
          logFailure(context.intents().ghost(sender).sendReadReceipt(room, e), "read receipt", room))));
    }
    ExtensionElement state = message.getExtension(ChatStateExtension.NAMESPACE);
    if (state != null) {
      boolean composing = ChatState.composing.name().equals(state.getElementName());
      // Typing on/off of one ghost must stay in order, but not hold up the room's messages: a chain per ghost.
      return Optional.of(() -> {
        typingChains.compute(room.value() + "|" + sender.value(), (k, tail) -> {
          CompletableFuture<Void> prev = tail == null ? done() : tail;
          CompletableFuture<Void> next = prev.thenCompose(v -> context.intents().ghost(sender)
              .setTyping(room, composing, TYPING_TIMEOUT_MS)).exceptionally(e -> {
                log.debug("Typing of {} in {} failed: {}", sender, room, e.toString());
                return null;
              });
          return next;
        });
        return done();
      });
    }
    return Optional.empty();
  }

  private static void logFailure(CompletableFuture<?> call, String what, RoomId room) {
    call.whenComplete((r, e) -> {
      if (e != null) {
        log.info("XMPP -> Matrix {} in {} failed: {}", what, room, e.toString());
      }
    });
  }

  /** The sender's new complete set: new emojis become {@code m.reaction}s, dropped ones are redacted. */
  private CompletableFuture<Void> applyReactions(RoomId room, EntityBareJid muc, UserId sender, Reactions reactions,
      String reactionId) {
    // The target is found while its send is in flight too (MucBridge keeps those); the reaction sends are queued,
    // not awaited, so the room's next messages do not wait for them.
    return mucs.eventOfStanzaId(muc, reactions.id()).thenCompose(target -> {
      if (target.isEmpty()) {
        log.debug("Reactions from {} in {} to unknown message {}", sender, muc, LogText.of(reactions.id()));
        return done();
      }
      String setKey = sender.value() + "|" + target.get().value();
      Map<String, CompletableFuture<EventId>> current = xmppSets.computeIfAbsent(setKey,
          k -> new ConcurrentHashMap<>());
      Intent ghost = context.intents().ghost(sender);
      CompletableFuture<Void> waits = done();
      for (Iterator<Map.Entry<String, CompletableFuture<EventId>>> it = current.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<String, CompletableFuture<EventId>> e = it.next();
        if (!reactions.reactions().contains(e.getKey())) {
          it.remove();
          CompletableFuture<EventId> reaction = e.getValue();
          // Redacting needs the reaction's event id: wait only when it is still being sent.
          waits = waits.thenCompose(v -> reaction.handle((r, err) -> r)).thenAccept(r -> {
            if (r != null) {
              logFailure(ghost.redact(room, r, "reaction withdrawn in XMPP",
                  "xmpp-unreact|" + muc + "|" + reactionId + "|" + r.value()), "reaction withdrawal", room);
            }
          });
        }
      }
      return waits.thenRun(() -> {
        for (String emoji : reactions.reactions()) {
          if (current.containsKey(emoji)) {
            continue;
          }
          ObjectNode content = Reactions.annotation(target.get(), emoji);
          CompletableFuture<EventId> sent = ghost.sendEvent(room, "m.reaction", content,
              "xmpp-react|" + muc + "|" + reactionId + "|" + emoji, Optional.empty());
          current.put(emoji, sent);
          sent.whenComplete((r, err) -> {
            if (err != null) {
              current.remove(emoji, sent);
              log.info("XMPP -> Matrix reaction in {} failed: {}", room, err.toString());
            }
          });
        }
      });
    });
  }

  // ---- ids

  /** The MUC's stanza-id of an event, if the MUC gave one. Blocking. */
  private Optional<String> mucStanzaIdOf(EventId event, String muc) {
    return messageMap.byEvent(event).stream()
        .filter(m -> m.remote().protocol().equals(PROTOCOL) && m.remote().remoteRoom().equals(muc)
            && m.remote().remoteId().startsWith("sid:"))
        .map(m -> m.remote().remoteId().substring(4))
        .findFirst();
  }

  /** What XEP-0444 names a message by in a MUC: its stanza-id, else the id we sent it with. Blocking. */
  private String stanzaIdOf(EventId event, String muc) {
    return mucStanzaIdOf(event, muc).orElse(StanzaIds.of(event.value()));
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
