package dev.switchboard.irc.dm;

import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.puppet.PuppetNick;
import java.util.Optional;

/**
 * A direct chat between one Matrix user (through their puppet) and one IRC nick on a network. Its {@link
 * #remoteId()}, {@code <network>/<nick>/<matrix user>}, is the remote side of the DM room's link: a nick never starts
 * with a channel prefix, so it cannot be mistaken for a channel link ({@code <network>/#channel}).
 *
 * @param nick case-folded
 */
public record DirectChat(String network, String nick, UserId user) {

  public DirectChat {
    nick = PuppetNick.key(nick);
  }

  public String remoteId() {
    return network + "/" + nick + "/" + user.value();
  }

  /** Parses a link's remote id; empty when it is not a direct chat's. */
  public static Optional<DirectChat> ofRemoteId(String remoteId) {
    int first = remoteId.indexOf('/');
    int second = first < 0 ? -1 : remoteId.indexOf('/', first + 1);
    if (first < 1 || second < 0) {
      return Optional.empty();
    }
    String nick = remoteId.substring(first + 1, second);
    if (!PuppetNick.isValid(nick)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new DirectChat(remoteId.substring(0, first), nick, UserId.of(remoteId.substring(second + 1))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
