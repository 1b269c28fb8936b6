package dev.switchboard.xmpp.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixReaction;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.core.id.EventId;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.format.MatrixHtml;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.stanza.StanzaIds;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.FullJid;

/**
 * Matrix → XMPP in gateway rooms: messages, edits and media links go to every occupant from the sender's occupant
 * JID, topics as subjects; member and power-level events go to {@link GatewayMembers}.
 */
final class GatewayToXmpp {
  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final GatewayMembers members;
  private final GatewayRelay relays;
  private final GatewayInteractions interactions;
  private final XmppMediaLinks mediaLinks;
  private final ConnectorMeters meters;

  GatewayToXmpp(ConnectorContext context, ComponentConnection connection, GatewayMembers members,
      GatewayRelay relays, GatewayInteractions interactions, XmppMediaLinks mediaLinks) {
    this.context = context;
    this.connection = connection;
    this.members = members;
    this.relays = relays;
    this.interactions = interactions;
    this.mediaLinks = mediaLinks;
    this.meters = context.meters("xmpp");
  }

  // Matrix events in the room, in the room's order; each is done when its stanzas are written to the component
  // stream. Until an XMPP user has been in the room this run its members are not loaded and nothing goes out;
  // members who are no occupants' ghosts and not shown (relay and none users) go to GatewayRelay.

  CompletableFuture<Void> onMessage(GatewayRoom room, MatrixMessage message) {
    return message(room, message.event(), message.event().content(), Optional.empty());
  }

  CompletableFuture<Void> onEdit(GatewayRoom room, MatrixEdit edit) {
    return message(room, edit.event(), edit.newContent(), Optional.of(edit.replaces()));
  }

  CompletableFuture<Void> onReaction(GatewayRoom room, MatrixReaction reaction) {
    if (!room.membersLoaded || relays.hidden(reaction.event().sender())) {
      return done();
    }
    return interactions.fromMatrix(room, reaction);
  }

  CompletableFuture<Void> onRedaction(GatewayRoom room, MatrixRedaction redaction) {
    if (!room.membersLoaded) {
      return done();
    }
    return relays.hidden(redaction.event().sender())
        ? relays.redactionFromHidden(room, redaction.event(), redaction.redacts())
        : interactions.fromMatrix(room, redaction);
  }

  CompletableFuture<Void> onMembership(GatewayRoom room, MembershipChange change) {
    MatrixEvent event = change.event();
    if (!room.membersLoaded) {
      return done();
    }
    if (relays.hidden(event.sender())) {
      relays.memberFromHidden(event);
    } else {
      members.onMember(room, event.sender(), change.subject(), change.membership(),
          event.content().path("displayname").asText(""), event.content().path("reason").asText(""));
    }
    return done();
  }

  /** The topic becomes the subject, new power levels new affiliations and roles; the rest is not bridged. */
  CompletableFuture<Void> onRoomState(GatewayRoom room, RoomStateChange change) {
    MatrixEvent event = change.event();
    if (!room.membersLoaded || relays.hidden(event.sender())) {
      return done();
    }
    switch (event.type()) {
      case "m.room.topic" -> {
        room.subject = event.content().path("topic").asText("");
        room.occupants.keySet().forEach(to -> connection.send(GatewayStanzas.subject(room.jid, to,
            StanzaIds.of(event.eventId().value()), room.subject)));
      }
      case "m.room.power_levels" -> {
        if (event.stateKey().map(String::isEmpty).orElse(false)) {
          members.onPowerLevels(room, event.content());
        }
      }
      default -> {
        // the rest: not bridged
      }
    }
    return done();
  }

  /** A message ({@code replaces} empty) or edit from the sender's occupant JID to every occupant. */
  private CompletableFuture<Void> message(GatewayRoom room, MatrixEvent event, JsonNode content,
      Optional<EventId> replaces) {
    if (!room.membersLoaded) {
      return done();
    }
    if (relays.hidden(event.sender())) {
      return relays.fromHidden(room, event, content, replaces);
    }
    Optional<XmppMediaLinks.Link> media = mediaLinks.of(content);
    Optional<String> text = XmppMediaLinks.isMedia(content) ? Optional.of(mediaLinks.textOf(content)) : textOf(content);
    Optional<EntityFullJid> from = room.occupantJid(room.nickOf(event.sender()));
    if (text.isEmpty() || from.isEmpty()) {
      return done();
    }
    List<ExtensionElement> extra = new ArrayList<>(xhtmlOf(content));
    replaces.ifPresent(r -> extra.add(new MessageCorrectExtension(StanzaIds.of(r.value()))));
    String eventId = event.eventId().value();
    List<CompletableFuture<Void>> written = new ArrayList<>();
    for (FullJid to : room.occupants.keySet()) {
      written.add(connection.deliver(XmppMediaLinks.withOob(GatewayStanzas.groupchat(from.get(), to,
          StanzaIds.of(eventId), text.get(), room.jid, Optional.of(eventId), Optional.empty(), extra), media)));
    }
    if (!room.occupants.isEmpty()) {
      meters.message(ConnectorMeters.Direction.TO_REMOTE);
    }
    return CompletableFuture.allOf(written.toArray(CompletableFuture[]::new));
  }

  /**
   * A message's text for XMPP (Matrix HTML as XEP-0393 styling); empty for what is not bridged yet (media and the
   * rest).
   */
  static Optional<String> textOf(JsonNode content) {
    String body = content.path("body").asText("");
    String text = switch (content.path("msgtype").asText("")) {
      case "m.text", "m.notice" -> MatrixHtml.bodyOf(content, "", body);
      case "m.emote" -> MatrixHtml.bodyOf(content, "/me ", "/me " + body);
      default -> null;
    };
    return text == null || text.isEmpty() ? Optional.empty() : Optional.of(text);
  }

  /**
   * The text of an event from the room's history ({@code /messages} format, not sorted by the core): a message's,
   * empty for edits (the history shows what was sent) and everything else.
   */
  static Optional<String> historyText(JsonNode e) {
    if (!"m.room.message".equals(e.path("type").asText())
        || "m.replace".equals(e.path("content").path("m.relates_to").path("rel_type").asText())) {
      return Optional.empty();
    }
    return textOf(e.path("content"));
  }

  /** The XHTML-IM body (XEP-0071) for a text message with Matrix HTML, as extension list; empty otherwise. */
  static List<ExtensionElement> xhtmlOf(JsonNode content) {
    String msgtype = content.path("msgtype").asText("");
    if (!msgtype.equals("m.text") && !msgtype.equals("m.notice") && !msgtype.equals("m.emote")) {
      return List.of();
    }
    return MatrixHtml.render(content, msgtype.equals("m.emote") ? "/me " : "")
        .<List<ExtensionElement>>map(r -> List.of(r.xhtml())).orElse(List.of());
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
