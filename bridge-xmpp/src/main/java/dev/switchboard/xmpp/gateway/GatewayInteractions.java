package dev.switchboard.xmpp.gateway;

import dev.switchboard.xmpp.stanza.LogText;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixReaction;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.message.ChatMarkers;
import dev.switchboard.xmpp.message.Fallback;
import dev.switchboard.xmpp.message.Reactions;
import dev.switchboard.xmpp.message.Retraction;
import dev.switchboard.xmpp.stanza.StanzaIds;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.chatstates.ChatState;
import org.jivesoftware.smackx.chatstates.packet.ChatStateExtension;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.FullJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reactions (XEP-0444), retractions (XEP-0424), chat states (XEP-0085) and displayed markers (XEP-0333) in gateway
 * rooms, both ways. In a gateway room every message's stanza-id is its Matrix event id, so XMPP clients name Matrix
 * events directly. As a MUC does, the room reflects each of these to every occupant.
 *
 * <p>Matrix reactions are one event per emoji, XEP-0444 sends a person's whole set: both sides' current sets are kept
 * in memory (a restart forgets them; withdrawing a reaction made before it is then not bridged).
 */
final class GatewayInteractions {
  private static final Logger log = LoggerFactory.getLogger(GatewayInteractions.class);
  private static final int TYPING_TIMEOUT_MS = 30_000;

  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final XmppGhostIds ghostIds;

  /** XMPP → Matrix: per "ghost|target", each emoji's reaction event (in flight or sent). */
  private final Map<String, Map<String, CompletableFuture<EventId>>> xmppSets = new ConcurrentHashMap<>();
  /** Matrix → XMPP: per "user|target", the user's reaction events and their keys, in order. */
  private final Map<String, LinkedHashMap<EventId, String>> matrixSets = new ConcurrentHashMap<>();
  /** A Matrix reaction event → its "user|target" set key, so its redaction finds the set. */
  private final Map<EventId, String> matrixReactionSet = new ConcurrentHashMap<>();
  /** Who (Matrix members) was typing in each room at the last {@code m.typing}. */
  private final Map<RoomId, Set<UserId>> typing = new ConcurrentHashMap<>();

  GatewayInteractions(ConnectorContext context, ComponentConnection connection, XmppGhostIds ghostIds) {
    this.context = context;
    this.connection = connection;
    this.ghostIds = ghostIds;
  }

  // ---- XMPP -> Matrix

  /** Takes a groupchat message of an occupant if it is a reaction, retraction, chat state or marker. */
  Optional<CompletableFuture<Void>> fromXmpp(GatewayRoom room, FullJid from, GatewayRoom.Occupant o,
      Message message) {
    Optional<Reactions> reactions = Reactions.from(message);
    if (reactions.isPresent()) {
      return Optional.of(onReactions(room, o, message, reactions.get()));
    }
    Optional<String> retracted = Retraction.targetOf(message);
    if (retracted.isPresent()) {
      return Optional.of(onRetraction(room, o, message, retracted.get()));
    }
    if (message.getBody() != null) {
      return Optional.empty();
    }
    Optional<String> displayed = ChatMarkers.displayedId(message);
    if (displayed.isPresent()) {
      Optional<EventId> event = eventId(displayed.get());
      event.ifPresent(e -> logFailure(context.intents().ghost(o.ghost).sendReadReceipt(room.roomId, e),
          "read receipt", room));
      reflect(room, o.nick, message.getStanzaId(), ChatMarkers.displayed(displayed.get()));
      return Optional.of(done());
    }
    ExtensionElement state = message.getExtension(ChatStateExtension.NAMESPACE);
    if (state != null) {
      boolean composing = ChatState.composing.name().equals(state.getElementName());
      logFailure(context.intents().ghost(o.ghost).setTyping(room.roomId, composing, TYPING_TIMEOUT_MS), "typing",
          room);
      try {
        reflect(room, o.nick, message.getStanzaId(), new ChatStateExtension(ChatState.valueOf(
            state.getElementName())));
      } catch (IllegalArgumentException unknown) {
        log.debug("Unknown chat state '{}' in {}", state.getElementName(), room.alias);
      }
      return Optional.of(done());
    }
    return Optional.empty();
  }

  /** The occupant's new complete set for a message: new emojis become reactions, dropped ones are redacted. */
  private CompletableFuture<Void> onReactions(GatewayRoom room, GatewayRoom.Occupant o, Message message,
      Reactions reactions) {
    Optional<EventId> target = eventId(reactions.id());
    if (target.isEmpty()) {
      log.debug("Reactions in {} to '{}', not a message of this room", room.alias, LogText.of(reactions.id()));
      return done();
    }
    String reactionId = message.getStanzaId() != null ? message.getStanzaId() : UUID.randomUUID().toString();
    Intent ghost = context.intents().ghost(o.ghost);
    Map<String, CompletableFuture<EventId>> current = xmppSets.computeIfAbsent(
        o.ghost.value() + "|" + target.get().value(), k -> new ConcurrentHashMap<>());
    current.entrySet().removeIf(e -> {
      if (reactions.reactions().contains(e.getKey())) {
        return false;
      }
      e.getValue().thenAccept(r -> logFailure(ghost.redact(room.roomId, r, "reaction withdrawn in XMPP",
          "xmpp-gw-unreact|" + room.jid + "|" + reactionId + "|" + r.value()), "reaction withdrawal", room));
      return true;
    });
    for (String emoji : reactions.reactions()) {
      if (current.containsKey(emoji)) {
        continue;
      }
      ObjectNode content = Reactions.annotation(target.get(), emoji);
      CompletableFuture<EventId> sent = ghost.sendEvent(room.roomId, "m.reaction", content,
          "xmpp-gw-react|" + room.jid + "|" + o.ghost.value() + "|" + reactionId + "|" + emoji, Optional.empty());
      current.put(emoji, sent);
      sent.whenComplete((r, err) -> {
        if (err != null) {
          current.remove(emoji, sent);
          log.info("XMPP -> Matrix reaction in {} failed: {}", room.alias, err.toString());
        }
      });
    }
    reflect(room, o.nick, reactionId, new Reactions(reactions.id(), reactions.reactions()), Fallback.store());
    return done();
  }

  /** XEP-0424: the occupant takes back one of its own messages; the Matrix event is redacted. */
  private CompletableFuture<Void> onRetraction(GatewayRoom room, GatewayRoom.Occupant o, Message message,
      String id) {
    Optional<EventId> target = eventId(id);
    if (target.isEmpty()) {
      return done();
    }
    Intent ghost = context.intents().ghost(o.ghost);
    return ghost.getEvent(room.roomId, target.get()).thenCompose(event -> {
      if (!o.ghost.value().equals(event.path("sender").asText())) {
        log.info("{} in {} tried to retract {}, which is not theirs", o.ghost, room.alias, target.get());
        return done();
      }
      reflect(room, o.nick, message.getStanzaId(), new Retraction(id));
      return ghost.redact(room.roomId, target.get(), "retracted in XMPP",
          "xmpp-gw-retract|" + room.jid + "|" + target.get().value()).thenApply(r -> (Void) null);
    }).exceptionally(e -> {
      log.info("Retraction of {} in {} failed: {}", target.get(), room.alias, e.toString());
      return null;
    });
  }

  // ---- Matrix -> XMPP

  /** A Matrix reaction: the reactor's whole current set for the message goes to the occupants (XEP-0444). */
  CompletableFuture<Void> fromMatrix(GatewayRoom room, MatrixReaction reaction) {
    MatrixEvent event = reaction.event();
    if (ownOccupant(room, event) || reaction.key().isEmpty()) {
      return done();
    }
    EventId target = reaction.target();
    String setKey = event.sender().value() + "|" + target.value();
    matrixSets.computeIfAbsent(setKey, k -> new LinkedHashMap<>()).put(event.eventId(), reaction.key());
    matrixReactionSet.put(event.eventId(), setKey);
    sendMatrixSet(room, event, setKey, target);
    return done();
  }

  /** Our own occupants' reactions and retractions were reflected when they arrived. */
  private boolean ownOccupant(GatewayRoom room, MatrixEvent event) {
    return ghostIds.isGhost(event.sender()) && room.isOccupantGhost(event.sender());
  }

  /** A Matrix redaction: of a reaction, the set without it; of a message, a retraction (XEP-0424). */
  CompletableFuture<Void> fromMatrix(GatewayRoom room, MatrixRedaction redaction) {
    MatrixEvent event = redaction.event();
    if (ownOccupant(room, event)) {
      return done();
    }
    EventId redacted = redaction.redacts();
    String setKey = matrixReactionSet.remove(redacted);
    if (setKey != null) {
      LinkedHashMap<EventId, String> set = matrixSets.get(setKey);
      if (set != null) {
        set.remove(redacted);
      }
      sendMatrixSet(room, event, setKey, EventId.of(setKey.substring(setKey.indexOf('|') + 1)));
      return done();
    }
    // A redaction of a message: a retraction when the sender took back their own (the redacted event keeps its
    // sender). Moderators' redactions of others' messages would be XEP-0425 moderation: not sent.
    // Read as an occupant's ghost: it is in the room, the bot may not be.
    Intent reader = room.occupants.values().stream().findFirst().map(o -> context.intents().ghost(o.ghost))
        .orElse(context.intents().bot());
    return reader.getEvent(room.roomId, redacted).thenAccept(original -> {
      if (event.sender().value().equals(original.path("sender").asText())) {
        reflect(room, room.nickOf(event.sender()), StanzaIds.of(event.eventId().value()),
            new Retraction(redacted.value()));
      } else {
        log.debug("Redaction of {} by {} in {} is moderation; not relayed", redacted, event.sender(), room.alias);
      }
    }).exceptionally(e -> {
      log.info("Redaction {} in {} not relayed: {}", redacted, room.alias, e.toString());
      return null;
    });
  }

  private void sendMatrixSet(GatewayRoom room, MatrixEvent event, String setKey, EventId target) {
    Set<String> current = new LinkedHashSet<>(matrixSets.getOrDefault(setKey, new LinkedHashMap<>()).values());
    UserId user = UserId.of(setKey.substring(0, setKey.indexOf('|')));
    reflect(room, room.nickOf(user), StanzaIds.of(event.eventId().value()), new Reactions(target.value(), current),
        Fallback.store());
  }

  /** Typing and read receipts of Matrix members become chat states and displayed markers for the occupants. */
  CompletableFuture<Void> onEphemeral(GatewayRoom room, JsonNode event) {
    switch (event.path("type").asText()) {
      case "m.typing" -> {
        Set<UserId> now = new HashSet<>();
        event.path("content").path("user_ids").forEach(u -> member(u.asText()).ifPresent(now::add));
        Set<UserId> before = typing.getOrDefault(room.roomId, Set.of());
        typing.put(room.roomId, now);
        for (UserId user : now) {
          if (!before.contains(user) && room.matrixNicks.containsKey(user)) {
            reflect(room, room.nickOf(user), "cs-" + UUID.randomUUID(), new ChatStateExtension(ChatState.composing));
          }
        }
        for (UserId user : before) {
          if (!now.contains(user) && room.matrixNicks.containsKey(user)) {
            reflect(room, room.nickOf(user), "cs-" + UUID.randomUUID(), new ChatStateExtension(ChatState.active));
          }
        }
      }
      case "m.receipt" -> event.path("content").fields().forEachRemaining(e -> e.getValue().path("m.read")
          .fieldNames().forEachRemaining(u -> member(u).filter(room.matrixNicks::containsKey).ifPresent(user ->
              reflect(room, room.nickOf(user), "mk-" + UUID.randomUUID(), ChatMarkers.displayed(e.getKey())))));
      default -> {
        // presence and the rest: not bridged
      }
    }
    return done();
  }

  /** A Matrix member who is not one of our ghosts. */
  private Optional<UserId> member(String id) {
    try {
      UserId user = UserId.of(id);
      return ghostIds.isGhost(user) ? Optional.empty() : Optional.of(user);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** A groupchat message from {@code nick}'s occupant to every occupant, carrying {@code extensions}. */
  private void reflect(GatewayRoom room, String nick, String id, ExtensionElement... extensions) {
    Optional<EntityFullJid> occupant = room.occupantJid(nick);
    if (occupant.isEmpty()) {
      return;
    }
    String stanzaId = id != null ? id : "gw-" + UUID.randomUUID();
    for (FullJid to : room.occupants.keySet()) {
      MessageBuilder b = StanzaBuilder.buildMessage(stanzaId).from(occupant.get()).to(to)
          .ofType(Message.Type.groupchat);
      for (ExtensionElement e : extensions) {
        b.addExtension(e);
      }
      connection.send(b.build());
    }
  }

  private static Optional<EventId> eventId(String id) {
    if (id == null || !id.startsWith("$")) {
      return Optional.empty();
    }
    try {
      return Optional.of(EventId.of(id));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static void logFailure(CompletableFuture<?> call, String what, GatewayRoom room) {
    call.whenComplete((r, e) -> {
      if (e != null) {
        log.info("XMPP -> Matrix {} in {} failed: {}", what, room.alias, e.toString());
      }
    });
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
