package dev.switchboard.irc.network;

import dev.switchboard.irc.format.MessageKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
   * @param account the sender's services account, when known ({@code account-tag}, {@code extended-join},
   *     {@code account-notify})
   */
  record ChannelMessage(String channel, String nick, MessageKind kind, String text, long seq, Optional<String> msgId,
      Optional<Instant> serverTime, Optional<String> replyTo, Optional<String> account) implements IrcEvent {}

  /** Someone (possibly us) joined a channel. */
  record Joined(String channel, String nick, boolean self) implements IrcEvent {}

  /**
   * Who is in a channel, from the NAMES list the server sends when we join (and on request).
   *
   * @param prefixModes each nick's channel user modes from the NAMES prefixes (all of them with {@code multi-prefix}),
   *     as mode letters ({@code o}, {@code v}, ...); nicks without any are absent
   */
  record Present(String channel, List<String> nicks, Map<String, String> prefixModes) implements IrcEvent {
    public Present {
      nicks = List.copyOf(nicks);
      prefixModes = Map.copyOf(prefixModes);
    }

    public Present(String channel, List<String> nicks) {
      this(channel, nicks, Map.of());
    }
  }

  /**
   * Channel user modes ({@code +o nick}, {@code -v nick}, ...) given or taken.
   *
   * @param by who set them (a nick or a server name)
   */
  record UserModesChanged(String channel, String by, List<UserModeChange> changes) implements IrcEvent {
    public UserModesChanged {
      changes = List.copyOf(changes);
    }
  }

  /** One channel user mode given ({@code add}) or taken from {@code nick}. */
  record UserModeChange(boolean add, char mode, String nick) {}

  /**
   * The channel's invite-only ({@code +i}) and key ({@code +k}) modes as they are now: from the server's reply to
   * {@code MODE #channel} when we join, and after every change.
   */
  record ChannelAccess(String channel, boolean inviteOnly, boolean keyed) implements IrcEvent {}

  /**
   * A ban ({@code +b mask}) was set.
   *
   * @param nicks the channel members whose {@code nick!user@host} the mask matched when it was set
   */
  record Banned(String channel, String by, String mask, List<String> nicks) implements IrcEvent {
    public Banned {
      nicks = List.copyOf(nicks);
    }
  }

  /** A ban ({@code -b mask}) was lifted. */
  record Unbanned(String channel, String by, String mask) implements IrcEvent {}

  /**
   * A PRIVMSG, CTCP ACTION or NOTICE sent to us (the connection's own nick), not to a channel.
   */
  record PrivateMessage(String nick, MessageKind kind, String text, Optional<String> msgId,
      Optional<Instant> serverTime) implements IrcEvent {}

  /** Someone left a channel: PART, or KICK of that someone ({@code kickedBy} present). */
  record Left(String channel, String nick, boolean self, Optional<String> kickedBy, String reason)
      implements IrcEvent {}

  /** Someone quit IRC; {@code channels} are those we shared with them. */
  record Quit(String nick, List<String> channels, String reason) implements IrcEvent {}

  /**
   * Someone's away state: {@code message} present (possibly empty, when only a WHO flag said so) while away, empty
   * when back or here. From IRCv3 {@code away-notify}, and for every member from the WHO list when we join.
   */
  record Away(String nick, Optional<String> message) implements IrcEvent {}

  /** Someone changed nick; {@code channels} are those we share with them. */
  record NickChanged(String oldNick, String newNick, List<String> channels) implements IrcEvent {}

  /**
   * A channel's topic: when we join ({@code changed} false) or when someone sets it ({@code changed} true).
   *
   * @param topic empty when there is none
   */
  record Topic(String channel, String topic, Optional<String> setter, boolean changed) implements IrcEvent {}

  /**
   * A channel's key was set ({@code +k key}: {@code key} present when it is a valid key) or removed ({@code -k}).
   *
   * @param by who changed it (a nick or a server name)
   */
  record ChannelKeyChanged(String channel, Optional<String> key, String by) implements IrcEvent {}

  /**
   * The server refused a line we wrote to {@code channel} (404), on a connection without {@code echo-message}: the
   * line's event was already done (written), so this only lets its user be told.
   */
  record LineRefused(String channel, String reason) implements IrcEvent {}

  /** The server refused our JOIN: 471 full, 473 invite-only, 474 banned, 475 bad key. */
  record JoinRefused(String channel, int numeric, String reason) implements IrcEvent {}

  /**
   * An IRCv3 {@code netsplit} or {@code netjoin} batch ended: the QUITs or JOINs it held follow as ordinary events.
   *
   * @param servers the batch parameters (the two servers)
   * @param nicks whose QUIT (netsplit) or JOIN (netjoin) lines the batch holds
   */
  record SplitBatch(boolean netjoin, List<String> servers, List<String> nicks) implements IrcEvent {
    public SplitBatch {
      servers = List.copyOf(servers);
      nicks = List.copyOf(nicks);
    }
  }

  /** The connection is registered (welcome and server info received) as {@code nick}. */
  record Registered(String nick) implements IrcEvent {}

  /** The connection dropped; {@code reconnectIn} is when we try again. */
  record Disconnected(String reason, java.time.Duration reconnectIn) implements IrcEvent {}
}
