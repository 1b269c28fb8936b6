package dev.switchboard.irc.hub;

import dev.switchboard.core.id.EventId;
import dev.switchboard.irc.portal.ChannelRef;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The IRC way of replying, {@code nick: text}, as a Matrix reply. Servers without IRCv3 reply tags (ngircd, most
 * networks) give us nothing better: when an IRC user starts a line with the nick of one of our puppets, the line
 * answers that puppet's last line in the channel, so it becomes a Matrix reply to that line's event, and from there
 * an XEP-0461 reply in a linked MUC. Only lines our puppets sent in this run are known (kept in memory, the most
 * recent per channel and nick); otherwise the line stays a plain message with a mention.
 */
public final class NickReplies {
  private static final int MAX_ENTRIES = 10_000;
  /** {@code nick: } or {@code nick, } at the start; nicks never contain spaces, ':' or ','. */
  private static final Pattern ADDRESSED = Pattern.compile("^([^\\s:,]{1,64})[:,] \\S");

  private final Map<String, EventId> lastLine = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, EventId> eldest) {
      return size() > MAX_ENTRIES;
    }
  };

  /** A puppet sent {@code event} to the channel as {@code nick}. */
  public synchronized void sent(ChannelRef channel, String nick, EventId event) {
    lastLine.put(key(channel, nick), event);
  }

  /** The event an IRC line addressed to a puppet answers, if it is addressed to one we know. */
  public synchronized Optional<EventId> answered(ChannelRef channel, String ircText) {
    Matcher m = ADDRESSED.matcher(ircText);
    if (!m.find()) {
      return Optional.empty();
    }
    return Optional.ofNullable(lastLine.get(key(channel, m.group(1))));
  }

  private static String key(ChannelRef channel, String nick) {
    // RFC 1459 case mapping is close enough here: a miss only loses the reply relation, never the message.
    return channel.remoteId() + " " + nick.toLowerCase(Locale.ROOT);
  }
}
