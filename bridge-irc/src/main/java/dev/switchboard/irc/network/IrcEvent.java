package dev.switchboard.irc.network;

import dev.switchboard.irc.format.MessageKind;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a connection saw on IRC, as immutable values: built on the Netty thread from Kitteh's events and handed to
 * an executor, so nothing downstream ever runs on (or blocks) the event loop.
 */
public sealed interface IrcEvent {

  /**
   * A PRIVMSG, CTCP ACTION or NOTICE to a channel.
   *
   * @param seq this connection's running count of channel messages, for txn keys when there is no msgid
   * @param msgId the IRCv3 {@code msgid} tag, when the server sends one
   * @param serverTime the IRCv3 {@code time} tag, when the server sends one
   * @param replyTo the msgid this message answers (client tag {@code +draft/reply} or {@code +reply})
   */
  record ChannelMessage(String channel, String nick, MessageKind kind, String text, long seq, Optional<String> msgId,
      Optional<Instant> serverTime, Optional<String> replyTo) implements IrcEvent {}

  /** Someone (possibly us) joined a channel. */
  record Joined(String channel, String nick, boolean self) implements IrcEvent {}

  /** Who is in a channel, from the NAMES list the server sends when we join (and on request). */
  record Present(String channel, List<String> nicks) implements IrcEvent {}

  /** Someone left a channel: PART, or KICK of that someone ({@code kickedBy} present). */
  record Left(String channel, String nick, boolean self, Optional<String> kickedBy, String reason)
      implements IrcEvent {}

  /** Someone quit IRC; {@code channels} are those we shared with them. */
  record Quit(String nick, List<String> channels, String reason) implements IrcEvent {}

  /** Someone changed nick; {@code channels} are those we share with them. */
  record NickChanged(String oldNick, String newNick, List<String> channels) implements IrcEvent {}

  /**
   * A channel's topic: when we join ({@code changed} false) or when someone sets it ({@code changed} true).
   *
   * @param topic empty when there is none
   */
  record Topic(String channel, String topic, Optional<String> setter, boolean changed) implements IrcEvent {}

  /** The connection is registered (welcome and server info received) as {@code nick}. */
  record Registered(String nick) implements IrcEvent {}

  /** The connection dropped; {@code reconnectIn} is when we try again. */
  record Disconnected(String reason, java.time.Duration reconnectIn) implements IrcEvent {}
}
