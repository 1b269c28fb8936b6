package dev.switchboard.irc.network;

import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.membership.NetsplitConfig;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.portal.OperatorConsent;
import dev.switchboard.irc.puppet.ConnectionLimits;
import java.time.Duration;
import java.util.Map;
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
 * @param modePowerLevels the Matrix power level a ghost gets for each channel user mode ({@code o} → 50, ...)
 * @param idleTimeout a puppet that sent nothing for this long disconnects (zero: never)
 * @param reactions how Matrix reactions reach IRC
 * @param redactions how Matrix redactions reach IRC
 * @param security the bot's certificate pin, client certificate and SASL
 * @param limits how many puppets may connect at once, and how fast
 * @param linkConfirmation whether linking a room to a channel asks the channel's operators
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
    NetsplitConfig netsplit,
    Map<Character, Integer> modePowerLevels,
    Duration idleTimeout,
    Reactions reactions,
    Redactions redactions,
    ConnectionSecurity security,
    ConnectionLimits limits,
    OperatorConsent.Settings linkConfirmation) {

  /** Channel operators and their like are moderators (50), voiced users 1, as matrix-appservice-irc does. */
  public static final Map<Character, Integer> DEFAULT_MODE_POWER_LEVELS =
      Map.of('q', 50, 'a', 50, 'o', 50, 'h', 25, 'v', 1);

  /** Two days, matrix-appservice-irc's default. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofDays(2);

  /** How a Matrix reaction reaches IRC. */
  public enum Reactions {
    /** A short action line: {@code * nick reacted 👍 to alice}. */
    ACTION,
    /** Not at all. */
    OFF
  }

  /** How a Matrix redaction reaches IRC. */
  public enum Redactions {
    /** A notice from the redacting user's puppet: {@code (deleted a message)}. */
    NOTICE,
    /** Not at all. */
    OFF
  }

  public NetworkConfig {
    channelsAllowed = channelsAllowed.map(Set::copyOf);
    modePowerLevels = Map.copyOf(modePowerLevels);
  }

  /** With the defaults for everything added since. */
  public NetworkConfig(String id, String host, int port, boolean tls, Optional<String> password, String botNick,
      Optional<Set<String>> channelsAllowed, FloodControl flood, int lineLimit, NetsplitConfig netsplit) {
    this(id, host, port, tls, password, botNick, channelsAllowed, flood, lineLimit, netsplit,
        DEFAULT_MODE_POWER_LEVELS, DEFAULT_IDLE_TIMEOUT, Reactions.ACTION, Redactions.NOTICE,
        ConnectionSecurity.NONE, ConnectionLimits.DEFAULT, OperatorConsent.Settings.DEFAULT);
  }

  /** The power level for a set of channel user modes: the highest of theirs, or 0. */
  public int powerLevelOf(String modes) {
    int level = 0;
    for (int i = 0; i < modes.length(); i++) {
      level = Math.max(level, modePowerLevels.getOrDefault(modes.charAt(i), 0));
    }
    return level;
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
