package dev.switchboard.xmpp.muc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.connector.HubSettings;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.format.MatrixHtml;
import dev.switchboard.xmpp.format.XmppBody;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.message.Replies;
import dev.switchboard.xmpp.stanza.XmlText;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jivesoftware.smack.packet.Message;
import org.jxmpp.jid.FullJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matrix → XMPP for bridged MUCs: messages, edits, replies, media links and redactions go out from the sender's own
 * occupant (or the listener, for relay users), topics as subjects, display names as nick changes. A message is done
 * when the MUC reflects it back (see {@link Reflections}).
 */
final class MatrixToMuc {
  private static final Logger log = LoggerFactory.getLogger(MatrixToMuc.class);
  private static final String PROTOCOL = "xmpp";

  private final ConnectorContext context;
  private final MucRooms rooms;
  private final MucOccupants occupants;
  private final MucListener listener;
  private final MucEvents events;
  private final MucReplies replies;
  private final Reflections reflections;
  private final ComponentConnection connection;
  private final XmppGhostIds ghostIds;
  private final HubSettings hub;
  private final XmppMediaLinks mediaLinks;
  private final ConnectorMeters meters;

  MatrixToMuc(ConnectorContext context, MucRooms rooms, MucOccupants occupants, MucListener listener,
      MucEvents events, MucReplies replies, Reflections reflections, ComponentConnection connection,
      XmppGhostIds ghostIds, HubSettings hub, XmppMediaLinks mediaLinks) {
    this.context = context;
    this.rooms = rooms;
    this.occupants = occupants;
    this.listener = listener;
    this.events = events;
    this.replies = replies;
    this.reflections = reflections;
    this.connection = connection;
    this.ghostIds = ghostIds;
    this.hub = hub;
    this.mediaLinks = mediaLinks;
    this.meters = context.meters(PROTOCOL);
  }

  /** A Matrix user's message (text, media, reply), from their own occupant. */
  CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return inRoom(message.event(), link, room -> send(room, message.event(), message.event().content(),
        message.replyTo(), Optional.empty()));
  }

  /** An edit becomes an XEP-0308 correction. */
  CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return inRoom(edit.event(), link, room -> send(room, edit.event(), edit.newContent(), Optional.empty(),
        Optional.of(edit.replaces())));
  }

  CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    return inRoom(redaction.event(), link, room -> sendRetraction(room, redaction.event(), redaction.redacts()));
  }

  /** A topic becomes the MUC's subject; other room settings are not bridged. */
  CompletableFuture<Void> onRoomState(RoomStateChange change, Link link) {
    return "m.room.topic".equals(change.event().type())
        ? inRoom(change.event(), link, room -> sendSubject(room, change.event())) : done();
  }

  CompletableFuture<Void> onMembership(MembershipChange change, Link link) {
    return inRoom(change.event(), link, room -> onMember(room, change));
  }

  /** The room of a MUC link, for events of Matrix users (never our own ghosts). */
  private CompletableFuture<Void> inRoom(MatrixEvent event, Link link,
      Function<MucRoom, CompletableFuture<Void>> then) {
    Optional<MucRoom> room = rooms.of(link);
    if (room.isEmpty() || ghostIds.isGhost(event.sender())) {
      return done();
    }
    return then.apply(room.get());
  }

  private CompletableFuture<Void> sendSubject(MucRoom room, MatrixEvent event) {
    String topic = event.content().path("topic").asText("");
    if (event.sender().equals(context.intents().bot().userId())) {
      // A topic set on another network of a hub room: the listener sets it (the room must let it).
      if (hub.topics()) {
        connection.send(MucStanzas.subject(rooms.listenerJid(), room.muc, MucStanzas.idFor(event.eventId()), topic));
      }
      return done();
    }
    return occupants.ensure(room, event.sender()).thenCompose(v -> connection.deliver(MucStanzas.subject(
        rooms.fullJidOf(event.sender()), room.muc, MucStanzas.idFor(event.eventId()), topic)));
  }

  private CompletableFuture<Void> onMember(MucRoom room, MembershipChange change) {
    String membership = change.membership();
    UserId user = change.subject();
    if (membership.equals("join")) {
      if (hub.allJoins() && !room.matrixOccupants.containsKey(user)
          && context.foreignGhosts().networkOf(user).isPresent()) {
        // hub.foreign_members: all — another network's ghost joins the MUC with the room, not only when it speaks.
        return occupants.ensure(room, user).exceptionally(e -> null);
      }
      occupants.followDisplayName(room, user, change.event().content().path("displayname").asText(""));
    } else if (membership.equals("leave") || membership.equals("ban")) {
      occupants.leave(room, user);
    }
    return done();
  }

  /**
   * A Matrix event's message to the MUC: done when the MUC reflects it to our occupant, which proves the MUC took it
   * (a stanza written to a server that is shutting down can vanish unanswered); see {@link Reflections}.
   */
  private CompletableFuture<Void> deliver(MucRoom room, Message message) {
    return reflections.send(room.muc, message, connection::deliver);
  }

  /** A message, or with {@code replaces} an edit, from the sender's occupant; done when the MUC reflects it. */
  private CompletableFuture<Void> send(MucRoom room, MatrixEvent event, JsonNode content,
      Optional<EventId> repliedTo, Optional<EventId> replaces) {
    String msgtype = content.path("msgtype").asText("");
    // Matrix's reply fallback quotes with raw Matrix ids: never sent; XEP-0461 and our own quote replace it.
    String body = repliedTo.isPresent() ? Replies.withoutMatrixFallback(content.path("body").asText(""))
        : content.path("body").asText("");
    Optional<XmppBody> text = XmppBody.of(content, body, mediaLinks);
    if (text.isEmpty()) {
      return done();
    }
    String finalText = text.get().text();
    Optional<MatrixHtml.Rendered> formatted = text.get().formatted();
    String id = MucStanzas.idFor(event.eventId());
    if (repliedTo.isPresent()) {
      return occupants.ensureSurvivingOutages(room, event.sender())
          .thenCompose(v -> replies.outgoing(room, event, repliedTo.get()))
          .thenCompose(reply -> {
            room.rememberSent(id, event.eventId());
            String quote = XmlText.clean(reply.quote());
            Message m = MucStanzas.groupchat(rooms.fullJidOf(event.sender()), room.muc, id,
                quote + XmlText.clean(finalText));
            if (formatted.isPresent()) {
              MatrixHtml.render(content, "m.emote".equals(msgtype) ? "/me " : "", quote).ifPresent(f -> f.addTo(m));
            }
            m.addExtension(Replies.element(reply.id(), reply.to()));
            m.addExtension(Replies.fallback(quote.codePointCount(0, quote.length())));
            meters.message(ConnectorMeters.Direction.TO_REMOTE);
            return deliver(room, m);
          });
    }
    return occupants.ensureSurvivingOutages(room, event.sender()).thenCompose(v -> {
      room.rememberSent(id, event.eventId());
      meters.message(ConnectorMeters.Direction.TO_REMOTE);
      if (replaces.isPresent()) {
        // XEP-0308 names the id we gave the original, which is derived from its event id: no lookup needed.
        String replaced = MucStanzas.idFor(replaces.get());
        Message m = MucStanzas.correction(rooms.fullJidOf(event.sender()), room.muc, id, finalText, replaced);
        formatted.ifPresent(f -> f.addTo(m));
        return deliver(room, m);
      }
      Message m = MucStanzas.groupchat(rooms.fullJidOf(event.sender()), room.muc, id, finalText);
      formatted.ifPresent(f -> f.addTo(m));
      return deliver(room, XmppMediaLinks.withOob(m, text.get().media()));
    });
  }

  /**
   * A redaction becomes an XEP-0424 retraction of the MUC's stanza-id for the event (our own id where the MUC gave
   * none). Redactions of XMPP users' messages would need XEP-0425 moderation: not sent.
   */
  private CompletableFuture<Void> sendRetraction(MucRoom room, MatrixEvent event, EventId target) {
    return CompletableFuture.supplyAsync(() -> events.idsOf(room, target), context.blockingExecutor())
        .thenCompose(ids -> {
          if (ids.stream().anyMatch(id -> id.startsWith("from:"))) {
            log.info("Not retracting {} in {}: an XMPP user's message (moderation is not bridged yet)", target,
                room.muc);
            return done();
          }
          String targetId = ids.stream().filter(id -> id.startsWith("sid:")).map(id -> id.substring(4)).findFirst()
              .orElse(MucStanzas.idFor(target));
          String id = MucStanzas.idFor(event.eventId());
          return occupants.ensure(room, event.sender()).thenCompose(v -> {
            room.rememberSent(id, event.eventId());
            return deliver(room, MucStanzas.retraction(rooms.fullJidOf(event.sender()), room.muc, id, targetId));
          });
        });
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }

  /** See {@link MucBridge#sendAsOccupant}. */
  CompletableFuture<Void> sendAsOccupant(Link link, UserId user, String id, EventId event,
      Function<FullJid, Message> stanza) {
    Optional<MucRoom> room = rooms.of(link);
    if (room.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return occupants.ensureSurvivingOutages(room.get(), user).thenCompose(v -> {
      room.get().rememberSent(id, event);
      return deliver(room.get(), stanza.apply(rooms.fullJidOf(user)));
    });
  }

  /** See {@link MucBridge#sendIfJoined}. */
  boolean sendIfJoined(Link link, UserId user, Function<FullJid, Message> stanza) {
    Optional<MucRoom> room = rooms.of(link);
    MucRoom.MatrixOccupant o = room.map(r -> r.matrixOccupants.get(user)).orElse(null);
    if (o == null || !o.isJoined()) {
      return false;
    }
    connection.send(stanza.apply(rooms.fullJidOf(user)));
    return true;
  }

  /** See {@link MucBridge#sendAsListener}. */
  CompletableFuture<Void> sendAsListener(Link link, String id, EventId event, Function<FullJid, Message> stanza) {
    Optional<MucRoom> room = rooms.of(link);
    if (room.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return connection.whenReady().thenCompose(v -> listener.in(room.get())).thenCompose(v -> {
      room.get().rememberSent(id, event);
      return deliver(room.get(), stanza.apply(rooms.listenerJid()));
    });
  }

  /** See {@link MucBridge#sendReplyAsListener}. */
  CompletableFuture<Void> sendReplyAsListener(Link link, String id, MatrixEvent event, EventId target,
      BiFunction<FullJid, String, Message> stanza) {
    Optional<MucRoom> room = rooms.of(link);
    if (room.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return replies.outgoing(room.get(), event, target).thenCompose(reply -> {
      String quote = XmlText.clean(reply.quote());
      return sendAsListener(link, id, event.eventId(), from -> {
        Message m = stanza.apply(from, quote);
        m.addExtension(Replies.element(reply.id(), reply.to()));
        m.addExtension(Replies.fallback(quote.codePointCount(0, quote.length())));
        return m;
      });
    });
  }
}
