package dev.switchboard.irc.message;

import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.irc.portal.ChannelPortals;
import dev.switchboard.irc.portal.ChannelRef;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Which IRC line is which Matrix event, so a Matrix reply can name the IRC author. Rows live in core's message map
 * with remote room {@code <network>/<channel>} and remote id {@code <nick>/<id>}: {@code <id>} is {@code
 * msgid/<msgid>} when the server tags messages (IRCv3 message-tags), {@code seq/<run>/<n>} for untagged lines the
 * bot saw, and {@code mx/<event id>} for lines our puppets sent for a Matrix event. Nicks never contain {@code /},
 * so the author is everything before the first one. The nick is the one used when the line was sent.
 */
public final class ChannelMessageMap {
  private final MessageMapStore store;
  private final Executor blocking;

  public ChannelMessageMap(MessageMapStore store, Executor blocking) {
    this.store = store;
    this.blocking = blocking;
  }

  /** Records a line seen on IRC and the event it became. */
  public CompletableFuture<Void> recordIrc(ChannelRef channel, String nick, String ircId, RoomId room, EventId event) {
    return record(channel, nick + "/" + ircId, room, event);
  }

  /** Records that a puppet sent a Matrix event to the channel as {@code nick}. */
  public CompletableFuture<Void> recordMatrix(ChannelRef channel, String nick, RoomId room, EventId event) {
    return record(channel, nick + "/mx/" + event.value(), room, event);
  }

  /** The IRC nick that wrote (or sent, for a Matrix user) the message an event stands for, if we know it. */
  public CompletableFuture<Optional<String>> authorOf(EventId event) {
    return CompletableFuture.supplyAsync(() -> store.byEvent(event).stream()
        .filter(m -> m.remote().protocol().equals(ChannelPortals.PROTOCOL))
        .map(m -> m.remote().remoteId())
        .filter(id -> id.indexOf('/') > 0)
        .map(id -> id.substring(0, id.indexOf('/')))
        .findFirst(), blocking);
  }

  private CompletableFuture<Void> record(ChannelRef channel, String remoteId, RoomId room, EventId event) {
    return CompletableFuture.runAsync(() -> store.put(
        new MessageMapStore.RemoteMessage(ChannelPortals.PROTOCOL, channel.remoteId(), remoteId), room, event),
        blocking);
  }
}
