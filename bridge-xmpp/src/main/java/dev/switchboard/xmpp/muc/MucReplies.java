package dev.switchboard.xmpp.muc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.xmpp.message.Replies;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;

/**
 * Replies between Matrix and a MUC (XEP-0461): which XMPP message a Matrix reply answers, and which Matrix event an
 * XMPP reply answers, through the message map; and the quote for clients without replies, naming the author as the
 * MUC knows them (nick or display name), never by Matrix id.
 */
final class MucReplies {
  private static final String PROTOCOL = "xmpp";

  /** A reply to send: the referenced id, the author's occupant JID if known, and the quote that starts the body. */
  record Outgoing(String id, Optional<String> to, String quote) {}

  private final MessageMap messageMap;
  private final Executor blocking;
  private final Intent bot;
  private final String serverName;
  private final BiFunction<MucRoom, UserId, CompletableFuture<String>> nameInMuc;

  /** @param nameInMuc how a Matrix user (or ghost) is named in the MUC: their occupant's nick */
  MucReplies(MessageMap messageMap, Executor blocking, Intent bot, String serverName,
      BiFunction<MucRoom, UserId, CompletableFuture<String>> nameInMuc) {
    this.messageMap = messageMap;
    this.blocking = blocking;
    this.bot = bot;
    this.serverName = serverName;
    this.nameInMuc = nameInMuc;
  }

  /** Matrix → XMPP: the reply reference and quote for a Matrix reply to {@code target}. */
  CompletableFuture<Outgoing> outgoing(MucRoom room, MatrixEvent event, EventId target) {
    CompletableFuture<Reference> reference = CompletableFuture.supplyAsync(() -> reference(room, target), blocking);
    CompletableFuture<String> quote = bot.getEvent(room.roomId, target)
        .thenCompose(original -> quoteOf(room, original))
        .exceptionally(e -> Replies.quote("someone", Replies.quotedInMatrixFallback(
            event.content().path("body").asText(""))));
    return reference.thenCombine(quote, (ref, q) -> new Outgoing(ref.id, ref.to, q));
  }

  private record Reference(String id, Optional<String> to) {}

  /**
   * The id XMPP clients know the target by: the MUC's stanza-id when we saw one, else an XMPP user's own id, else
   * the id we gave it when we sent it (derived from its event id). Blocking.
   */
  private Reference reference(MucRoom room, EventId target) {
    String marker = ":" + serverName + "/";
    List<String> ids = messageMap.byEvent(target).stream()
        .filter(m -> m.remote().protocol().equals(PROTOCOL) && m.remote().remoteRoom().equals(room.muc.toString()))
        .map(m -> m.remote().remoteId())
        .filter(id -> !id.startsWith("from:") || id.contains(marker)).toList();
    Optional<String> author = ids.stream().filter(id -> id.startsWith("from:")).findFirst()
        .map(id -> id.substring("from:".length(), id.indexOf(":" + serverName + "/") + serverName.length() + 1))
        .flatMap(ghost -> nickOfGhost(room, ghost))
        .flatMap(nick -> MucStanzas.occupant(room.muc, nick)).map(Object::toString);
    Optional<String> sid = ids.stream().filter(id -> id.startsWith("sid:")).map(id -> id.substring(4)).findFirst();
    Optional<String> own = ids.stream().filter(id -> id.startsWith("from:"))
        .map(id -> id.substring(id.indexOf(":" + serverName + "/") + serverName.length() + 2)).findFirst();
    return new Reference(sid.or(() -> own).orElse(MucStanzas.idFor(target)), author);
  }

  private static Optional<String> nickOfGhost(MucRoom room, String ghost) {
    return room.ghostByNick.entrySet().stream().filter(e -> e.getValue().value().equals(ghost))
        .map(Map.Entry::getKey).findFirst();
  }

  private CompletableFuture<String> quoteOf(MucRoom room, JsonNode original) {
    JsonNode content = original.path("content");
    String body = Replies.withoutMatrixFallback(content.path("m.new_content").path("body").asText(
        content.path("body").asText("")));
    UserId sender = UserId.of(original.path("sender").asText());
    return nameInMuc.apply(room, sender).thenApply(name -> Replies.quote(name, Optional.of(body)));
  }

  /**
   * XMPP → Matrix: the event an XMPP reply refers to: by the MUC's stanza-id, by our own id for messages we sent,
   * by the author's own id (the author named by the reply's {@code to} nick). Blocking.
   */
  Optional<EventId> incoming(MucRoom room, Replies.Reply reply) {
    String muc = room.muc.toString();
    Optional<EventId> bySid = messageMap.byRemote(new MessageMapStore.RemoteMessage(PROTOCOL, muc,
        "sid:" + reply.id())).map(MessageMapStore.MessageMapping::eventId);
    if (bySid.isPresent()) {
      return bySid;
    }
    EventId ours = room.sentEvent(reply.id());
    if (ours != null) {
      return Optional.of(ours);
    }
    return reply.to().map(to -> to.substring(to.indexOf('/') + 1))
        .map(room.ghostByNick::get)
        .flatMap(ghost -> messageMap.byRemote(new MessageMapStore.RemoteMessage(PROTOCOL, muc,
            "from:" + ghost.value() + "/" + reply.id())))
        .map(MessageMapStore.MessageMapping::eventId);
  }
}
