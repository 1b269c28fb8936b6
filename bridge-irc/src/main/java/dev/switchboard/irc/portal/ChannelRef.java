package dev.switchboard.irc.portal;

import java.util.Optional;

/**
 * A channel on one of our networks. Its {@link #remoteId()} ({@code libera/#java}, channel case-folded) is the
 * remote side of a {@link dev.switchboard.core.connector.Link}.
 */
public record ChannelRef(String network, ChannelName channel) {

  public String remoteId() {
    return network + "/" + channel.key();
  }

  /** Parses a link's remote id; empty when it is not one of ours. */
  public static Optional<ChannelRef> ofRemoteId(String remoteId) {
    int slash = remoteId.indexOf('/');
    if (slash < 1) {
      return Optional.empty();
    }
    return ChannelName.parse(remoteId.substring(slash + 1)).map(c -> new ChannelRef(remoteId.substring(0, slash), c));
  }

  /**
   * Parses the localpart of a portal alias, {@code <prefix><network>_<channel>}; the network id never contains
   * {@code _}, so the first {@code _} after the prefix ends it.
   */
  public static Optional<ChannelRef> ofAliasLocalpart(String localpart, String prefix) {
    if (!localpart.startsWith(prefix)) {
      return Optional.empty();
    }
    String rest = localpart.substring(prefix.length());
    int sep = rest.indexOf('_');
    if (sep < 1) {
      return Optional.empty();
    }
    return ChannelName.parse(rest.substring(sep + 1)).map(c -> new ChannelRef(rest.substring(0, sep), c));
  }

  /** The alias localpart for this channel, as typed (the alias keeps the case the user joined with). */
  public String aliasLocalpart(String prefix) {
    return prefix + network + "_" + channel.value();
  }
}
