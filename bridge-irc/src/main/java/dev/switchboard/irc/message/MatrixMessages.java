package dev.switchboard.irc.message;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.format.IrcCodes;
import dev.switchboard.irc.format.MatrixToIrc;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.portal.ChannelRef;
import dev.switchboard.irc.puppet.Puppets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matrix → IRC for messages in one network's portals: formatting to IRC codes, replies as {@code nick: text},
 * edits as {@code * corrected text}, messages over the line limit as a preview and a link, sent through the
 * sender's puppet; each line sent is recorded in the message map so later replies can name its author.
 *
 * <p>Edits: IRC has no edits. We resend the new text marked with a leading {@code * } (the usual IRC convention for
 * a correction), rather than {@code s/old/new/}, which needs the old text and is unreadable for anything but a
 * one-word fix.
 */
public final class MatrixMessages {
  private static final Logger log = LoggerFactory.getLogger(MatrixMessages.class);

  /** How a correction is marked on IRC. */
  public static final String EDIT_MARK = "* ";

  private final Puppets puppets;
  private final ChannelMessageMap map;
  private final LongMessages longMessages;
  private final int lineLimit;
  private final Function<UserId, Optional<String>> nickOf;
  private volatile IrcMediaLinks mediaLinks;
  /**
   * How many leading lines of an event an earlier attempt wrote before it failed (its connection was lost in the
   * middle of a split message): the dispatcher's retry sends only the rest. In memory and bounded: after a crash
   * the whole message is sent again (the duplicate window, docs/architecture.md).
   */
  private final Map<EventId, Integer> writtenBefore = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<EventId, Integer> eldest) {
          return size() > 1000;
        }
      });

  /**
   * @param lineLimit messages that would need more IRC lines than this become a link
   * @param nickOf the IRC nick for a Matrix user in mentions (a ghost's or a puppet's)
   */
  public MatrixMessages(Puppets puppets, ChannelMessageMap map, LongMessages longMessages, int lineLimit,
      Function<UserId, Optional<String>> nickOf) {
    this.puppets = puppets;
    this.map = map;
    this.longMessages = longMessages;
    this.lineLimit = lineLimit;
    this.nickOf = nickOf;
  }

  /** Turns media messages into links (without this they are not relayed). */
  public MatrixMessages withMedia(IrcMediaLinks links) {
    this.mediaLinks = links;
    return this;
  }

  /**
   * Relays one {@code m.room.message}; completes when every line is written to the puppet's socket (see {@link
   * IrcConnection#send}), not when it is queued.
   */
  public CompletableFuture<Void> relay(MatrixEvent event, ChannelRef channel) {
    return relay(event, channel, Voice.puppet(puppets, event.sender(), channel));
  }

  /**
   * Relays one {@code m.room.message} through {@code voice}; completes as {@link #relay(MatrixEvent, ChannelRef)} does.
   * Edits, replies, media links and the long-message link are the same whoever speaks.
   */
  public CompletableFuture<Void> relay(MatrixEvent event, ChannelRef channel, Voice voice) {
    JsonNode content = event.content();
    boolean edit = "m.replace".equals(content.path("m.relates_to").path("rel_type").asText())
        && content.path("m.new_content").isObject();
    JsonNode effective = edit ? content.path("m.new_content") : content;
    String msgtype = effective.path("msgtype").asText();
    Optional<String> media = IrcMediaLinks.isMedia(msgtype) && mediaLinks != null ? mediaLinks.text(effective)
        : Optional.empty();
    Optional<MessageKind> kind = media.isPresent() ? Optional.of(MessageKind.TEXT) : MessageKind.ofMsgtype(msgtype);
    if (kind.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String text = media.orElseGet(() -> MatrixToIrc.convert(effective, nickOf));
    if (text.isBlank()) {
      return CompletableFuture.completedFuture(null);
    }
    JsonNode inReplyTo = content.path("m.relates_to").path("m.in_reply_to").path("event_id");
    CompletableFuture<String> withContext;
    if (edit) {
      withContext = CompletableFuture.completedFuture(EDIT_MARK + text);
    } else if (inReplyTo.isTextual()) {
      withContext = replyPrefix(EventId.of(inReplyTo.asText())).thenApply(p -> p + text);
    } else {
      withContext = CompletableFuture.completedFuture(text);
    }
    // echo-message: each line's server msgid leads to this event, so an IRC reply to it becomes a Matrix reply.
    java.util.function.Consumer<Optional<String>> onEcho = msgId -> msgId.ifPresent(id ->
        map.recordEchoedMsgId(channel, id, event.roomId(), event.eventId()).exceptionally(e -> {
          log.warn("IRC {}: could not record msgid of {}: {}", channel.remoteId(), event.eventId(), e.toString());
          return null;
        }));
    return withContext.thenCompose(t -> {
      List<String> lines = voice.lines(kind.get(), t);
      if (lines.size() <= lineLimit) {
        return sendResuming(event.eventId(), voice, kind.get(), lines, onEcho);
      }
      // What IRC users would have read (pills as nicks, links spelt out), without the formatting codes.
      String plain = String.join("\n", java.util.Arrays.stream(t.split("\n", -1))
          .map(l -> IrcCodes.parse(l).plain()).toList());
      return longMessages.upload(plain).thenCompose(url -> voice.send(kind.get(), voice.lines(kind.get(),
          LongMessages.preview(plain, lines.size(), url, voice.lineBudget(kind.get()))), null));
    }).thenRun(() -> voice.author().ifPresent(nick ->
        map.recordMatrix(channel, nick, event.roomId(), event.eventId()).exceptionally(e -> {
          log.warn("IRC {}: could not record {} in the message map: {}", channel.remoteId(), event.eventId(),
              e.toString());
          return null;
        })));
  }

  /** Sends the lines an earlier attempt of this event did not write, and remembers how far this one got. */
  private CompletableFuture<Void> sendResuming(EventId id, Voice voice, MessageKind kind, List<String> lines,
      java.util.function.Consumer<Optional<String>> onEcho) {
    int skip = Math.min(writtenBefore.getOrDefault(id, 0), lines.size());
    List<CompletableFuture<Void>> each = voice.sendEach(kind, lines.subList(skip, lines.size()), onEcho);
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).whenComplete((v, error) -> {
      if (error == null) {
        writtenBefore.remove(id);
        return;
      }
      if (each.size() != lines.size() - skip) {
        return; // a voice without one future a line: nothing known about partial progress
      }
      int written = skip;
      for (CompletableFuture<Void> line : each) {
        if (!line.isDone() || line.isCompletedExceptionally()) {
          break;
        }
        written++;
      }
      if (written > 0) {
        writtenBefore.put(id, written);
      }
    });
  }

  /**
   * {@code nick: } for the author of the message replied to; nothing when we do not know it. A reply to a line
   * relayed a moment ago may come before that line is recorded: asked again a second later.
   */
  private CompletableFuture<String> replyPrefix(EventId original) {
    return map.authorOfRecent(original).handle((nick, err) -> {
      if (err != null) {
        log.warn("IRC: could not look up the author of {}: {}", original, err.toString());
        return "";
      }
      return nick.map(n -> n + ": ").orElse("");
    });
  }
}
