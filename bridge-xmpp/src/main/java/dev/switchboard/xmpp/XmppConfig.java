package dev.switchboard.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.xmpp.component.ComponentSettings;
import java.time.Duration;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * The {@code xmpp:} config section, validated at start.
 *
 * @param component how to reach the XMPP server as an XEP-0114 component
 * @param listenerNick the nick the bridge's listening occupant uses in bridged MUCs
 * @param discoTimeout how long a portal alias query waits for the MUC's disco#info before answering anyway; short,
 *     because the user's join waits on the answer (issue 8)
 */
public record XmppConfig(ComponentSettings component, String userPrefix, String aliasPrefix, String listenerNick,
    Duration discoTimeout, Media media, Duration selfPingInterval) {

  /**
   * Media settings.
   *
   * @param baseUrl the homeserver's public base URL for links to Matrix media; without it XMPP gets no link
   * @param maxBytes the largest file fetched from XMPP users' links for re-upload
   * @param allowedHosts hosts fetched even though they resolve to internal addresses (e.g. the XMPP server's own
   *     upload service on a private network)
   */
  public record Media(java.util.Optional<String> baseUrl, long maxBytes, java.util.Set<String> allowedHosts) {}

  public static XmppConfig from(JsonNode section) {
    String domain = required(section, "domain");
    try {
      JidCreate.domainBareFrom(domain);
    } catch (XmppStringprepException e) {
      throw new ConfigException("xmpp.domain: '" + domain + "' is not a valid XMPP domain (" + e.getMessage() + ")");
    }
    String secret = required(section, "secret");
    int port = section.path("server_port").asInt(5347);
    if (port <= 0 || port > 65535) {
      throw new ConfigException("xmpp.server_port: " + port + " is not a TCP port");
    }
    ComponentSettings settings = ComponentSettings.of(text(section, "server_host", "127.0.0.1"), port, domain, secret)
        .withIqTimeout(Duration.ofMillis(section.path("iq_timeout_ms").asLong(15_000)));
    return new XmppConfig(settings, text(section, "user_prefix", "_xmpp_"), text(section, "alias_prefix", "_xmpp_"),
        text(section, "listener_nick", "Matrix"), Duration.ofMillis(section.path("disco_timeout_ms").asLong(400)),
        media(section), selfPing(section));
  }

  /** {@code self_ping_interval_seconds}: how often each MUC occupant pings itself (XEP-0410); 0 turns it off. */
  private static Duration selfPing(JsonNode section) {
    long seconds = section.path("self_ping_interval_seconds").asLong(300);
    if (seconds < 0 || seconds > 86_400) {
      throw new ConfigException("xmpp.self_ping_interval_seconds must be between 0 (off) and 86400, got " + seconds);
    }
    return Duration.ofSeconds(seconds);
  }

  private static Media media(JsonNode section) {
    JsonNode base = section.path("media_base_url");
    java.util.Optional<String> baseUrl = java.util.Optional.empty();
    if (!base.isMissingNode() && !base.isNull()) {
      if (!base.isTextual() || !base.asText().matches("https?://[^\\s/?#]+(/[^\\s?#]*)?")) {
        throw new ConfigException("xmpp.media_base_url must be the homeserver's public base URL, e.g. "
            + "https://matrix.example.org (XMPP users download Matrix media from it), got " + base);
      }
      baseUrl = java.util.Optional.of(base.asText());
    }
    long max = section.path("media_max_bytes").asLong(10L * 1024 * 1024);
    if (max <= 0 || max > 512L * 1024 * 1024) {
      throw new ConfigException("xmpp.media_max_bytes must be between 1 and 536870912, got " + max);
    }
    java.util.Set<String> hosts = new java.util.LinkedHashSet<>();
    JsonNode allowed = section.path("media_allowed_hosts");
    if (!allowed.isMissingNode() && !allowed.isNull()) {
      if (!allowed.isArray()) {
        throw new ConfigException("xmpp.media_allowed_hosts must be a list of host names, e.g. [upload.example.org]");
      }
      allowed.forEach(h -> hosts.add(h.asText()));
    }
    return new Media(baseUrl, max, hosts);
  }

  private static String required(JsonNode section, String key) {
    JsonNode v = section.path(key);
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new ConfigException("xmpp." + key + " is required (" + switch (key) {
        case "domain" -> "the component's domain, e.g. matrix.example.org, as the XMPP server's Component entry names it";
        default -> "the component_secret shared with the XMPP server";
      } + ")");
    }
    return v.asText();
  }

  private static String text(JsonNode section, String key, String fallback) {
    JsonNode v = section.path(key);
    return v.isTextual() && !v.asText().isBlank() ? v.asText() : fallback;
  }
}
