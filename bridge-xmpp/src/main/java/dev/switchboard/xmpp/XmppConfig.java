package dev.switchboard.xmpp;

import dev.switchboard.core.config.ConfigSection;
import dev.switchboard.core.connector.HubSettings;
import dev.switchboard.core.portal.LinkedRoomAliases;
import dev.switchboard.xmpp.component.ComponentSettings;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code xmpp:} config section, parsed once when the connector is built (a bad value fails the start, naming
 * its key); every part of the connector takes its settings from here.
 *
 * @param component how to reach the XMPP server as an XEP-0114 component
 * @param prefixes the localpart prefixes of ghosts and portal aliases
 * @param listenerNick the nick the bridge's listening occupant uses in bridged MUCs
 * @param discoTimeout how long a portal alias query waits for the MUC's disco#info before answering anyway; short,
 *     because the user's join waits on the answer (issue 8)
 * @param selfPingInterval how often each MUC occupant pings itself (XEP-0410); zero: off
 * @param hub how other networks' ghosts show in hub rooms ({@code xmpp.hub})
 * @param portalAliases whether a portal alias may join a room an admin linked ({@code xmpp.hub.portal_aliases})
 */
public record XmppConfig(ComponentSettings component, Prefixes prefixes, String listenerNick, Duration discoTimeout,
    Media media, Duration selfPingInterval, HubSettings hub, boolean portalAliases) {
  private static final Logger log = LoggerFactory.getLogger(XmppConfig.class);

  /**
   * {@code user_prefix} and {@code alias_prefix}, read here only: the registration's namespaces, the ghost ids and
   * the portal aliases all derive from them.
   */
  public record Prefixes(String user, String alias) {
    public static Prefixes parse(ConfigSection section) {
      return new Prefixes(section.text("user_prefix", "_xmpp_"), section.text("alias_prefix", "_xmpp_"));
    }
  }

  /**
   * Media settings.
   *
   * @param maxBytes the largest file fetched from XMPP users' links for re-upload
   * @param allowedHosts hosts fetched even though they resolve to internal addresses (e.g. the XMPP server's own
   *     upload service on a private network)
   */
  public record Media(long maxBytes, Set<String> allowedHosts) {}

  /** Parses the section ({@code xmpp}); every error names the full key. */
  public static XmppConfig parse(ConfigSection section) {
    String domain = section.requiredText("domain",
        "the component's domain, e.g. matrix.example.org, as the XMPP server's Component entry names it");
    try {
      JidCreate.domainBareFrom(domain);
    } catch (XmppStringprepException e) {
      throw section.problem("domain", "'" + domain + "' is not a valid XMPP domain (" + e.getMessage() + ")");
    }
    String secret = section.requiredText("secret", "the component_secret shared with the XMPP server");
    ComponentSettings settings = ComponentSettings.of(section.text("server_host", "127.0.0.1"),
            section.port("server_port", 5347), domain, secret)
        .withIqTimeout(section.millis("iq_timeout_ms", Duration.ofSeconds(15), Duration.ofMillis(1),
            Duration.ofHours(1)));
    return new XmppConfig(settings, Prefixes.parse(section), section.text("listener_nick", "Matrix"),
        section.millis("disco_timeout_ms", Duration.ofMillis(400), Duration.ZERO, Duration.ofMinutes(5)),
        media(section),
        // self_ping_interval_seconds: 0 turns it off.
        section.seconds("self_ping_interval_seconds", Duration.ofMinutes(5), Duration.ZERO, Duration.ofDays(1)),
        HubSettings.from(section.node(), section.path()), LinkedRoomAliases.allowed(section.node(), section.path()));
  }

  private static Media media(ConfigSection section) {
    // media_base_url named the homeserver XMPP users downloaded Matrix files from, before the bridge served them.
    if (section.has("media_base_url")) {
      log.warn("{} is no longer used and is ignored: links to Matrix files go to the bridge's media endpoint at "
          + "media.public_url (see docs/operations.md); remove it", section.key("media_base_url"));
    }
    long max = section.number("media_max_bytes", 10L * 1024 * 1024, 1, 512L * 1024 * 1024);
    return new Media(max, new LinkedHashSet<>(section.strings("media_allowed_hosts")));
  }
}
