package dev.switchboard.irc.message;

import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.irc.portal.ChannelPortals;
import dev.switchboard.irc.portal.ChannelRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Which IRC line is which Matrix event, so a Matrix reply can name the IRC author and an IRC reference to a msgid
 * can find its event. Rows live in core's message map with remote room {@code <network>/<channel>} and these remote
 * ids:
 *
 * <ul>
 *   <li>{@code by/<nick>/<id>}: who sent it, with {@code <id>} = {@code msgid/<msgid>} when the server tags
 *       messages (IRCv3 message-tags), {@code seq/<run>/<n>} for untagged lines the bot saw, {@code mx/<event id>}
 *       for lines our puppets sent for a Matrix event. Nicks never contain {@code /}. The nick is the one used when
 *       the line was sent.
 *   <li>{@code msgid/<msgid>}: the server's id alone, which is what IRCv3 replies and reactions refer to.
 * </ul>
 *
 * <p>Rows go through core's shared {@link MessageMap}, which commits them in groups: a line's rows commit together,
 * and with the rows of the lines around it.
 */
public final class ChannelMessageMap {
  private static final String AUTHOR = "by/";
  private static final String MSGID = "msgid/";

  private final MessageMap map;
  /** For the map's blocking reads. */
  private final Executor blocking;
  /**
   * Authors of events whose rows are still being written. The homeserver has the event (and may already push a
   * Matrix reply to it) before its row is committed; a reply must still name the author.
   */
  private final Map<EventId, String> authorsBeingWritten = new ConcurrentHashMap<>();

  public ChannelMessageMap(MessageMap map, Executor blocking) {
    this.map = map;
    this.blocking = blocking;
  }

  /** Records a line seen on IRC and the event it became. */
  public CompletableFuture<Void> recordIrc(ChannelRef channel, String nick, Optional<String> msgId, String ircId,
      RoomId room, EventId event) {
    authorsBeingWritten.put(event, nick);
    List<MessageMapStore.NewMapping> rows = new ArrayList<>();
    rows.add(row(channel, AUTHOR + nick + "/" + ircId, room, event));
    msgId.ifPresent(id -> rows.add(row(channel, MSGID + id, room, event)));
    return map.recordAll(rows).whenComplete((v, e) -> authorsBeingWritten.remove(event, nick));
  }

  /** The event an IRC msgid became, if we saw it. */
  public CompletableFuture<Optional<EventId>> eventOf(ChannelRef channel, String msgId) {
    return CompletableFuture.supplyAsync(() -> map.byRemote(new MessageMapStore.RemoteMessage(
        ChannelPortals.PROTOCOL, channel.remoteId(), MSGID + msgId)).map(MessageMapStore.MessageMapping::eventId),
        blocking);
  }

  /** Records the server's msgid of a line a puppet sent for a Matrix event (from its echo-message echo). */
  public CompletableFuture<Void> recordEchoedMsgId(ChannelRef channel, String msgId, RoomId room, EventId event) {
    return record(channel, MSGID + msgId, room, event);
  }

  /** Records that a puppet sent a Matrix event to the channel as {@code nick}. */
  public CompletableFuture<Void> recordMatrix(ChannelRef channel, String nick, RoomId room, EventId event) {
    authorsBeingWritten.put(event, nick);
    return record(channel, AUTHOR + nick + "/mx/" + event.value(), room, event)
        .whenComplete((v, e) -> authorsBeingWritten.remove(event, nick));
  }

  /** The IRC nick that wrote (or sent, for a Matrix user) the message an event stands for, if we know it. */
  public CompletableFuture<Optional<String>> authorOf(EventId event) {
    String writing = authorsBeingWritten.get(event);
    if (writing != null) {
      return CompletableFuture.completedFuture(Optional.of(writing));
    }
    return CompletableFuture.supplyAsync(() -> map.byEvent(event).stream()
        .filter(m -> m.remote().protocol().equals(ChannelPortals.PROTOCOL))
        .map(m -> m.remote().remoteId())
        .filter(id -> id.startsWith(AUTHOR) && id.indexOf('/', AUTHOR.length()) > AUTHOR.length())
        .map(id -> id.substring(AUTHOR.length(), id.indexOf('/', AUTHOR.length())))
        .findFirst(), blocking);
  }

  /**
   * As {@link #authorOf}, asked once more a second later on a miss. An event relayed from IRC is recorded only once
   * the homeserver's answer to its send has come back to us, and by then the homeserver may already have pushed a
   * quick reply or reaction to it; the second look finds its author. An event that has none costs the second.
   */
  public CompletableFuture<Optional<String>> authorOfRecent(EventId event) {
    return authorOf(event).thenCompose(found -> found.isPresent()
        ? CompletableFuture.completedFuture(found)
        : CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS))
            .thenCompose(v -> authorOf(event)));
  }

  private CompletableFuture<Void> record(ChannelRef channel, String remoteId, RoomId room, EventId event) {
    return map.record(row(channel, remoteId, room, event));
  }

  private static MessageMapStore.NewMapping row(ChannelRef channel, String remoteId, RoomId room, EventId event) {
    return new MessageMapStore.NewMapping(
        new MessageMapStore.RemoteMessage(ChannelPortals.PROTOCOL, channel.remoteId(), remoteId), room, event);
  }
}
