package dev.switchboard.xmpp.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions.Bridging;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.message.Retraction;
import dev.switchboard.xmpp.muc.MucStanzas;
import dev.switchboard.xmpp.permission.BridgingPolicy;
import dev.switchboard.core.permission.RelayNames;
import dev.switchboard.xmpp.relay.RelayText;
import dev.switchboard.xmpp.stanza.StanzaIds;
import dev.switchboard.xmpp.stanza.XmlText;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jxmpp.jid.FullJid;
import org.jxmpp.jid.Jid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Permission levels in gateway rooms. Only {@code user} and {@code admin} members appear to XMPP users as occupants.
 * A {@code relay} member's messages come from the room itself (its bare JID, as a MUC's own messages do) in the
 * {@code relay} format, with the Matrix event id as XEP-0359 stanza-id like every gateway message, so corrections,
 * retractions, replies and reactions of XMPP users still name the right event; a {@code none} member is neither
 * an occupant nor heard, live, in history on join, or in MAM.
 */
final class GatewayRelay {
  private static final Logger log = LoggerFactory.getLogger(GatewayRelay.class);

  private final ConnectorContext context;
  private final BridgingPolicy policy;
  private final ComponentConnection connection;
  private final RelayText text;
  private final RelayNames names = new RelayNames();
  private final ConnectorMeters meters;

  GatewayRelay(ConnectorContext context, BridgingPolicy policy, ComponentConnection connection,
      XmppMediaLinks mediaLinks) {
    this.context = context;
    this.policy = policy;
    this.connection = connection;
    this.text = new RelayText(context.permissions().relay(), mediaLinks);
    this.meters = context.meters("xmpp");
  }

  /** True when {@code user} appears as an occupant; a hidden relay user's {@code name} is kept for their lines. */
  boolean shown(GatewayRoom room, UserId user, Optional<String> name) {
    Bridging b = policy.of(user);
    if (b == Bridging.RELAY) {
      names.remember(room.roomId, user, name);
    }
    return b == Bridging.PUPPET;
  }

  /**
   * True when {@code user}'s events appear as an occupant's. Not the bot's: it is no occupant, its live events reach
   * no connector, and its notices (such as core telling a none user why they are not bridged) are for Matrix users.
   */
  boolean shown(UserId user) {
    return policy.puppets(user) && !user.equals(context.intents().bot().userId());
  }

  /**
   * True for live events of senders below {@code user}: they go to {@link #fromHidden}. The bot's few live events
   * (a hub room's topic from another network) are not hidden.
   */
  boolean hidden(UserId sender) {
    return !policy.puppets(sender);
  }

  /** False for a none user's, the bot's or a malformed sender: their messages reach XMPP in no form. */
  boolean heard(String sender) {
    try {
      UserId user = UserId.of(sender);
      return policy.of(user) != Bridging.REFUSE && !user.equals(context.intents().bot().userId());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  // Events of members who are no occupants (see hidden): a relay user's message, edit or own redaction is relayed,
  // their member events keep the names the lines show; nothing else, and nothing of others.

  /** A message ({@code replaces} empty) or edit of a hidden member. */
  CompletableFuture<Void> fromHidden(GatewayRoom room, MatrixEvent event, JsonNode content,
      Optional<EventId> replaces) {
    return policy.of(event.sender()) != Bridging.RELAY ? done() : message(room, event, content, replaces);
  }

  /** A redaction by a hidden member. */
  CompletableFuture<Void> redactionFromHidden(GatewayRoom room, MatrixEvent event, EventId target) {
    return policy.of(event.sender()) != Bridging.RELAY ? done() : retraction(room, event, target);
  }

  /** A member event sent by a hidden member. */
  void memberFromHidden(MatrixEvent event) {
    if (policy.of(event.sender()) == Bridging.RELAY) {
      names.remember(event);
    }
  }

  private CompletableFuture<Void> message(GatewayRoom room, MatrixEvent event, JsonNode content,
      Optional<EventId> replaces) {
    return names.nameOf(room.roomId, event.sender(), reader(room)).thenCompose(name -> text.of(event.sender(), name,
        content).map(line -> {
          String eventId = event.eventId().value();
          List<CompletableFuture<Void>> written = new ArrayList<>();
          for (FullJid to : room.occupants.keySet()) {
            MessageBuilder b = fromRoom(room, to, eventId, line.text(), Optional.empty());
            replaces.ifPresent(r -> b.addExtension(new MessageCorrectExtension(StanzaIds.of(r.value()))));
            written.add(connection.deliver(XmppMediaLinks.withOob(b.build(), line.media())));
          }
          if (!room.occupants.isEmpty()) {
            meters.message(ConnectorMeters.Direction.TO_REMOTE);
          }
          // Done when written to the component stream, as for occupants' messages.
          return CompletableFuture.allOf(written.toArray(CompletableFuture[]::new));
        }).orElseGet(GatewayRelay::done));
  }

  /** The relay user takes back their own message: the room retracts the line it said for them. */
  private CompletableFuture<Void> retraction(GatewayRoom room, MatrixEvent event, EventId target) {
    return reader(room).getEvent(room.roomId, target).thenAccept(original -> {
      if (!event.sender().value().equals(original.path("sender").asText())) {
        return; // moderation (XEP-0425): not sent, as for occupants
      }
      String id = StanzaIds.of(event.eventId().value());
      for (FullJid to : room.occupants.keySet()) {
        connection.send(StanzaBuilder.buildMessage(id).from(room.jid).to(to).ofType(Message.Type.groupchat)
            .setBody("/me retracted a message, which your client does not support")
            .addExtension(new Retraction(target.value())).build());
      }
    }).exceptionally(e -> {
      log.info("Redaction {} of relay user {} in {} not relayed: {}", target, event.sender(), room.alias,
          e.toString());
      return null;
    });
  }

  /**
   * A history or archive event ({@code /messages} format) of a member who is no occupant: the relayed line for a
   * relay user, empty for a none user (and for what is not text).
   */
  Optional<Message> archived(GatewayRoom room, Jid to, JsonNode e, UserId sender, boolean withDelay) {
    if (policy.of(sender) != Bridging.RELAY) {
      return Optional.empty();
    }
    String eventId = e.path("event_id").asText();
    return text.of(sender, names.cachedName(room.roomId, sender), e.path("content")).map(line -> fromRoom(room, to,
        eventId, line.text(), withDelay ? Optional.of(new Date(e.path("origin_server_ts").asLong())) : Optional.empty())
        .build());
  }

  /** A groupchat message from the room's bare JID, stamped with the event id as the room's stanza-id. */
  private static MessageBuilder fromRoom(GatewayRoom room, Jid to, String eventId, String body, Optional<Date> delay) {
    MessageBuilder b = StanzaBuilder.buildMessage(StanzaIds.of(eventId)).from(room.jid).to(to)
        .ofType(Message.Type.groupchat).setBody(XmlText.clean(body))
        .addExtension(StandardExtensionElement.builder("stanza-id", MucStanzas.SID_NS)
            .addAttribute("id", eventId).addAttribute("by", room.jid.toString()).build());
    delay.ifPresent(d -> b.addExtension(new DelayInformation(d, room.jid.toString(), null)));
    return b;
  }

  /** Who reads the room: an occupant's ghost is in it; the bot may not be. */
  private Intent reader(GatewayRoom room) {
    return room.occupants.values().stream().findFirst().map(o -> context.intents().ghost(o.ghost))
        .orElse(context.intents().bot());
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
