package dev.switchboard.irc.ghost;

import dev.switchboard.core.id.UserId;
import java.util.Optional;

/** Ghost user ids, {@code @<prefix><network>_<escaped nick>:<domain>}, and back. */
public final class GhostIds {
  private final String prefix;
  private final String domain;

  public GhostIds(String prefix, String domain) {
    this.prefix = prefix;
    this.domain = domain;
  }

  /** A remote user as a network and a (case-folded) nick. */
  public record RemoteUser(String network, String nick) {}

  public UserId ghost(String network, String nick) {
    return UserId.of(prefix + network + "_" + GhostLocalpart.escape(nick), domain);
  }

  /** The network and case-folded nick a ghost id stands for; empty when it is not one of our ghost ids. */
  public Optional<RemoteUser> remoteUser(UserId user) {
    if (!user.server().equals(domain) || !user.localpart().startsWith(prefix)) {
      return Optional.empty();
    }
    String rest = user.localpart().substring(prefix.length());
    int sep = rest.indexOf('_');
    if (sep < 1) {
      return Optional.empty();
    }
    String network = rest.substring(0, sep);
    return GhostLocalpart.unescape(rest.substring(sep + 1)).filter(n -> !n.isEmpty())
        .map(nick -> new RemoteUser(network, nick));
  }
}
