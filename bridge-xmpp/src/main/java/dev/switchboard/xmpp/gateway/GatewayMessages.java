package dev.switchboard.xmpp.gateway;

import static dev.switchboard.core.failure.Failures.rootCause;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.format.XmppFormatting;
import dev.switchboard.xmpp.media.MediaFetcher;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.media.MucMediaHook;
import dev.switchboard.xmpp.message.Edits;
import dev.switchboard.xmpp.stanza.LogText;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jivesoftware.smackx.xhtmlim.packet.XHTMLExtension;
import org.jxmpp.jid.FullJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * XMPP → Matrix in gateway rooms: an occupant's message (text, correction, shared file, and what
 * {@link GatewayInteractions} takes) is posted by its ghost, then reflected to every occupant with the event id.
 */
final class GatewayMessages {
  private static final Logger log = LoggerFactory.getLogger(GatewayMessages.class);
  private static final String PROTOCOL = "xmpp";
  /** Errors on a message to an occupant that mean its client is no longer there (RFC 6121 § 8.5.3.2.1). */
  private static final Set<StanzaError.Condition> GONE = java.util.EnumSet.of(
      StanzaError.Condition.service_unavailable, StanzaError.Condition.recipient_unavailable,
      StanzaError.Condition.item_not_found, StanzaError.Condition.gone);

  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final GatewayJoins joins;
  private final GatewayInteractions interactions;
  private final MediaFetcher fetcher;
  private final MessageMap messageMap;
  private final Executor blocking;

  GatewayMessages(ConnectorContext context, ComponentConnection connection, GatewayJoins joins,
      GatewayInteractions interactions, MediaFetcher fetcher, MessageMap messageMap) {
    this.context = context;
    this.connection = connection;
    this.joins = joins;
    this.interactions = interactions;
    this.fetcher = fetcher;
    this.messageMap = messageMap;
    this.blocking = context.blockingExecutor();
  }

  /** A message to a gateway room, in the room's order. */
  CompletableFuture<Void> onMessage(GatewayRoom room, FullJid from, Message message) {
    if (message.getType() == Message.Type.error) {
      // Our copy to an occupant bounced because its client is gone (it went offline while we were down, so its
      // unavailable presence never reached us): it leaves, as a MUC service removes such occupants.
      GatewayRoom.Occupant gone = room.occupants.get(from);
      if (gone != null && message.getError() != null && GONE.contains(message.getError().getCondition())) {
        log.info("{} leaves gateway room {}: a message to it bounced ({})", LogText.of(from), room.alias,
            message.getError().getCondition());
        return joins.leave(room, from, gone);
      }
      return done();
    }
    GatewayRoom.Occupant o = room.occupants.get(from);
    if (o == null) {
      connection.send(GatewayStanzas.messageError(message, StanzaError.Condition.not_acceptable,
          "Join the room first"));
      return done();
    }
    if (message.getType() != Message.Type.groupchat || !message.getTo().isEntityBareJid()) {
      connection.send(GatewayStanzas.messageError(message, StanzaError.Condition.feature_not_implemented,
          "Private messages in gateway rooms are not supported; message the user's address directly"));
      return done();
    }
    Optional<CompletableFuture<Void>> taken = interactions.fromXmpp(room, from, o, message);
    if (taken.isPresent()) {
      return taken.get();
    }
    String body = message.getBody();
    if (body == null) {
      return done();
    }
    ObjectNode content = XmppFormatting.contentOf(message, body);
    XHTMLExtension xhtml = XmppFormatting.xhtmlElement(message).orElse(null);
    String id = message.getStanzaId() == null ? "none-" + java.util.UUID.randomUUID() : message.getStanzaId();
    String key = "from:" + o.ghost.value() + "/" + id;
    Optional<String> url = XmppMediaLinks.oobUrl(message);
    if (url.isPresent() && body.strip().equals(url.get())) {
      return shareFile(room, o, id, key, url.get());
    }
    MessageCorrectExtension correction = MessageCorrectExtension.from(message);
    return CompletableFuture.supplyAsync(() -> correction == null ? Optional.<EventId>empty()
            : messageMap.byRemote(new MessageMapStore.RemoteMessage(PROTOCOL, room.jid.toString(),
                "from:" + o.ghost.value() + "/" + correction.getIdInitialMessage()))
                .map(MessageMapStore.MessageMapping::eventId), blocking)
        .thenCompose(replaced -> context.intents().ghost(o.ghost).sendMessage(room.roomId,
            replaced.map(r -> Edits.replacing(r, content)).orElse(content), "xmpp-gw|" + room.jid + "|" + key))
        .thenCompose(event -> recorded(room, key, event))
        .thenAccept(event -> {
          // XEP-0045 § 7.4: the room reflects the message to every occupant, the sender included, with its id.
          List<ExtensionElement> extra = new ArrayList<>();
          if (correction != null) {
            extra.add(correction);
          }
          if (xhtml != null) {
            extra.add(xhtml);
          }
          room.occupantJid(o.nick).ifPresent(occ -> room.occupants.keySet().forEach(to -> connection.send(
              GatewayStanzas.groupchat(occ, to, id, body, room.jid, Optional.of(event.value()), Optional.empty(),
                  extra))));
        });
  }

  /**
   * A message that is just a file's URL with XEP-0066 OOB data (how XEP-0363 uploads are shared): the file is fetched
   * (size limit, no internal addresses unless allowed) and uploaded, so Matrix clients show it; otherwise the link
   * goes to Matrix as text. Occupants get the message back as sent, link and OOB data, with the event id.
   */
  private CompletableFuture<Void> shareFile(GatewayRoom room, GatewayRoom.Occupant o, String id, String key,
      String url) {
    Intent ghost = context.intents().ghost(o.ghost);
    String txn = "xmpp-gw-media|" + room.jid + "|" + key;
    return fetcher.fetch(url)
        .thenCompose(file -> ghost.uploadMedia(file.bytes(), file.contentType(), file.fileName())
            .thenApply(mxc -> MucMediaHook.content(file, mxc)))
        .exceptionally(err -> {
          log.info("Not re-uploading {} from {} in {}: {}", LogText.of(url), o.ghost, room.alias,
              LogText.of(rootCause(err).getMessage()));
          return JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", url);
        })
        .thenAccept(content -> ghost.sendMessage(room.roomId, content, txn)
            .thenCompose(event -> recorded(room, key, event)).thenAccept(event -> {
          room.occupantJid(o.nick).ifPresent(occ -> room.occupants.keySet().forEach(to -> connection.send(
              XmppMediaLinks.withOob(GatewayStanzas.groupchat(occ, to, id, url, room.jid, Optional.of(event.value()),
                  Optional.empty(), List.of()), Optional.of(new XmppMediaLinks.Link(url, ""))))));
        }).exceptionally(err -> {
          log.warn("XMPP -> Matrix file in {} failed: {}", room.alias, rootCause(err).toString());
          return null;
        }));
  }

  /** Records that the occupant's message {@code key} is {@code event}; completes with the event once committed. */
  private CompletableFuture<EventId> recorded(GatewayRoom room, String key, EventId event) {
    return messageMap.record(new MessageMapStore.NewMapping(
        new MessageMapStore.RemoteMessage(PROTOCOL, room.jid.toString(), key), room.roomId, event))
        .thenApply(v -> event);
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
