package dev.switchboard.xmpp.relay;

import dev.switchboard.xmpp.LinkEvents;
import java.util.function.Function;
import dev.switchboard.core.permission.RelayNames;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.muc.MucBridge;
import dev.switchboard.xmpp.muc.MucStanzas;
import dev.switchboard.xmpp.stanza.StanzaIds;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relay mode in MUC portals: a {@code relay} user gets no occupant of their own; the bridge's listener occupant says
 * their messages in the {@code relay} format ({@code <Rita> hi}). Their edits become XEP-0308 corrections of the
 * relayed line and their redactions XEP-0424 retractions of it (the listener sent it, so the listener may take it
 * back); the MUC's stanza-id of each relayed line goes into the message map, so XMPP replies and reactions to it
 * reach the relay user's event. Reactions, topics and typing of relay users are not bridged: they would need an
 * occupant of their own.
 */
public final class MucRelay implements LinkEvents {
  private static final Logger log = LoggerFactory.getLogger(MucRelay.class);
  private static final String PROTOCOL = "xmpp";

  private final ConnectorContext context;
  private final MucBridge mucs;
  private final RelayText text;
  private final RelayNames names;
  private final MessageMap messageMap;
  private final Executor blocking;
  private final ConnectorMeters meters;

  public MucRelay(ConnectorContext context, MucBridge mucs, XmppMediaLinks mediaLinks, RelayNames names,
      MessageMap messageMap) {
    this.context = context;
    this.mucs = mucs;
    this.text = new RelayText(context.permissions().relay(), mediaLinks);
    this.names = names;
    this.messageMap = messageMap;
    this.blocking = context.blockingExecutor();
    this.meters = context.meters(PROTOCOL);
  }

  // Events of relay users in rooms linked to a MUC: messages, edits and their own redactions are relayed; their
  // member events keep the names the lines show; the rest is not relayed.

  @Override
  public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return inMuc(link, muc -> relay(message.event(), link, muc, message.event().content(), message.replyTo(),
        Optional.empty()));
  }

  @Override
  public CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return inMuc(link, muc -> relay(edit.event(), link, muc, edit.newContent(), Optional.empty(),
        Optional.of(edit.replaces())));
  }

  @Override
  public CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    return inMuc(link, muc -> retraction(redaction.event(), link, muc, redaction.redacts()));
  }

  @Override
  public CompletableFuture<Void> onMembership(MembershipChange change, Link link) {
    names.remember(change.event());
    return done();
  }

  private static CompletableFuture<Void> inMuc(Link link, Function<EntityBareJid, CompletableFuture<Void>> then) {
    try {
      return then.apply(JidCreate.entityBareFrom(link.remoteId()));
    } catch (XmppStringprepException e) {
      return done();
    }
  }

  private CompletableFuture<Void> relay(MatrixEvent event, Link link, EntityBareJid muc, JsonNode content,
      Optional<EventId> repliedTo, Optional<EventId> replaces) {
    String id = StanzaIds.of(event.eventId().value());
    return names.nameOf(event.roomId(), event.sender(), context.intents().bot()).thenCompose(name -> {
      Optional<RelayText.Line> line = text.of(event.sender(), name, content);
      if (line.isEmpty()) {
        return done();
      }
      meters.message(ConnectorMeters.Direction.TO_REMOTE);
      if (repliedTo.isPresent()) {
        // XEP-0461 as for puppets' replies; the quote (XEP-0428 fallback) goes before the relayed line.
        return mucs.sendReplyAsListener(link, id, event, repliedTo.get(), (from, quote) ->
            XmppMediaLinks.withOob(MucStanzas.groupchat(from, muc, id, quote + line.get().text()), line.get().media()));
      }
      // The same ids as puppets' messages: a correction names the id the original got from its event id.
      return mucs.sendAsListener(link, id, event.eventId(), from -> replaces.isPresent()
          ? MucStanzas.correction(from, muc, id, line.get().text(), StanzaIds.of(replaces.get().value()))
          : XmppMediaLinks.withOob(MucStanzas.groupchat(from, muc, id, line.get().text()), line.get().media()));
    });
  }

  /** The relay user takes back a line relayed for them: the listener retracts it by the MUC's stanza-id. */
  private CompletableFuture<Void> retraction(MatrixEvent event, Link link, EntityBareJid muc, EventId target) {
    return context.intents().bot().getEvent(event.roomId(), target)
        .thenCompose(original -> {
          if (!event.sender().value().equals(original.path("sender").asText())) {
            log.info("Not retracting {} in {}: {} is not its sender", target, muc, event.sender());
            return done();
          }
          return CompletableFuture.supplyAsync(() -> messageMap.byEvent(target), blocking).thenCompose(rows -> {
            List<String> ids = rows.stream().filter(m -> m.remote().protocol().equals(PROTOCOL)
                && m.remote().remoteRoom().equals(muc.toString())).map(m -> m.remote().remoteId()).toList();
            String targetId = ids.stream().filter(i -> i.startsWith("sid:")).map(i -> i.substring(4)).findFirst()
                .orElse(StanzaIds.of(target.value()));
            String id = StanzaIds.of(event.eventId().value());
            return mucs.sendAsListener(link, id, event.eventId(), from -> MucStanzas.retraction(from, muc, id,
                targetId));
          });
        })
        .exceptionally(e -> {
          log.info("Retraction of relayed {} in {} not sent: {}", target, muc, e.toString());
          return null;
        });
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
