package dev.switchboard.xmpp.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.format.MatrixHtml;
import dev.switchboard.xmpp.media.MediaLinks;
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
  private final MediaLinks mediaLinks;
  private final ConnectorMeters meters;

  GatewayToXmpp(ConnectorContext context, ComponentConnection connection, GatewayMembers members,
      GatewayRelay relays, GatewayInteractions interactions, MediaLinks mediaLinks) {
    this.context = context;
    this.connection = connection;
    this.members = members;
    this.relays = relays;
    this.interactions = interactions;
    this.mediaLinks = mediaLinks;
    this.meters = context.meters("xmpp");
  }

  /** A Matrix event in the room, in the room's order; done when its stanzas are written to the component stream. */
  CompletableFuture<Void> relay(GatewayRoom room, MatrixEvent event) {
    if (!room.membersLoaded) {
      return done(); // nobody from XMPP has been here this run; members load on the first join
    }
    if (relays.hidden(event.sender())) {
      return relays.fromHidden(room, event);
    }
    if (interactions.takes(event)) {
      return interactions.fromMatrix(room, event);
    }
    switch (event.type()) {
      case "m.room.message" -> {
        return relayMessage(room, event);
      }
      case "m.room.topic" -> {
        room.subject = event.content().path("topic").asText("");
        room.occupants.keySet().forEach(to -> connection.send(GatewayStanzas.subject(room.jid, to,
            StanzaIds.of(event.eventId().value()), room.subject)));
      }
      case "m.room.member" -> relayMember(room, event);
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

  private void relayMember(GatewayRoom room, MatrixEvent event) {
    if (event.stateKey().isEmpty()) {
      return;
    }
    UserId target;
    try {
      target = UserId.of(event.stateKey().get());
    } catch (IllegalArgumentException e) {
      return;
    }
    members.onMember(room, event.sender(), target, event.membership().orElse(""),
        event.content().path("displayname").asText(""), event.content().path("reason").asText(""));
  }

  private CompletableFuture<Void> relayMessage(GatewayRoom room, MatrixEvent event) {
    JsonNode relation = event.content().path("m.relates_to");
    boolean isEdit = "m.replace".equals(relation.path("rel_type").asText()) && relation.path("event_id").isTextual()
        && event.content().path("m.new_content").isObject();
    JsonNode content = isEdit ? event.content().path("m.new_content") : event.content();
    Optional<MediaLinks.Link> media = mediaLinks.of(content);
    Optional<String> text = MediaLinks.isMedia(content) ? Optional.of(mediaLinks.textOf(content)) : textOf(content);
    Optional<EntityFullJid> from = room.occupantJid(room.nickOf(event.sender()));
    if (text.isEmpty() || from.isEmpty()) {
      return done();
    }
    List<ExtensionElement> extra = new ArrayList<>(xhtmlOf(content));
    if (isEdit) {
      extra.add(new MessageCorrectExtension(StanzaIds.of(relation.path("event_id").asText())));
    }
    String eventId = event.eventId().value();
    List<CompletableFuture<Void>> written = new ArrayList<>();
    for (FullJid to : room.occupants.keySet()) {
      written.add(connection.deliver(MediaLinks.withOob(GatewayStanzas.groupchat(from.get(), to,
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
