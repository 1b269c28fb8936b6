package dev.switchboard.irc.network;

import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.membership.NetsplitConfig;
import dev.switchboard.irc.portal.ChannelName;
import java.util.Optional;
import java.util.Set;

/**
 * One IRC network from the {@code irc.networks} config section.
 *
 * @param id the network's name in ghost ids and aliases ({@code libera} in {@code #_irc_libera_#java})
 * @param password the server password ({@code PASS}), if the server needs one
 * @param botNick the nick of the bridge's listener connection
 * @param channelsAllowed when present, only these channels may become portals (compared case-insensitively)
 * @param flood how fast each of this network's connections may send
 * @param netsplit quit debouncing
 * @param lineLimit a Matrix message that would take more IRC lines than this goes to IRC as a preview and a link
 */
public record NetworkConfig(
    String id,
    String host,
    int port,
    boolean tls,
    Optional<String> password,
    String botNick,
    Optional<Set<String>> channelsAllowed,
    FloodControl flood,
    int lineLimit,
    NetsplitConfig netsplit) {

  public NetworkConfig {
    channelsAllowed = channelsAllowed.map(Set::copyOf);
  }

  /** Whether a portal may be opened for {@code channel} on this network. */
  public boolean allows(ChannelName channel) {
    return channelsAllowed.map(allowed -> allowed.contains(channel.key())).orElse(true);
  }

  /** Never print the password. */
  @Override
  public String toString() {
    return "NetworkConfig[" + id + " " + host + ":" + port + (tls ? " tls" : "") + " nick=" + botNick + "]";
  }
}
