package dev.switchboard.irc.network;

import java.util.Set;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.defaults.feature.DefaultActorTracker;
import org.kitteh.irc.client.library.element.User;
import org.kitteh.irc.client.library.element.mode.ChannelUserMode;

/**
 * Kitteh's actor tracker for a puppet: it follows the channels the puppet is in and the puppet itself, but no other
 * member. Kitteh's {@link DefaultActorTracker} keeps every member of every channel (nick, user, host, modes and cached
 * snapshots of them); with P puppets in one channel of P members that is P² entries, which made an idle puppet cost
 * 185 KiB at 300 puppets and would not fit at thousands. Only the bot needs the member lists (NAMES, modes, bans,
 * quits); a puppet needs to know when it joined, was kicked, parted or renamed, and its private messages, which all
 * concern itself.
 *
 * <p>What Kitteh then does for other members: their JOIN and channel messages still fire events (with a user built
 * from the message prefix); their NICK, KICK and QUIT find no tracked user, which Kitteh reports to the exception
 * listener (off in this bridge) and otherwise ignores.
 */
final class SelfOnlyActorTracker extends DefaultActorTracker {
  private final Client.WithManagement client;

  SelfOnlyActorTracker(Client.WithManagement client) {
    super(client);
    this.client = client;
    setQueryChannelInformation(false);
  }

  private boolean isSelf(String nick) {
    int bang = nick.indexOf('!');
    String bare = bang >= 0 ? nick.substring(0, bang) : nick;
    return client.getServerInfo().getCaseMapping().areEqualIgnoringCase(bare, client.getNick());
  }

  @Override
  public void trackChannelNick(String channel, String nick, Set<ChannelUserMode> modes) {
    if (isSelf(nick)) {
      super.trackChannelNick(channel, nick, modes);
    }
  }

  @Override
  public void trackChannelUser(String channel, User user, Set<ChannelUserMode> modes) {
    if (isSelf(user.getNick())) {
      super.trackChannelUser(channel, user, modes);
    }
  }

  @Override
  public void trackUser(User user) {
    if (isSelf(user.getNick())) {
      super.trackUser(user);
    }
  }
}
