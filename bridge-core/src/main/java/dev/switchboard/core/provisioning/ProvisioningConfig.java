package dev.switchboard.core.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.http.ListenerLimits;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * The provisioning API's listener and credentials (config section {@code provisioning}).
 *
 * @param sharedSecret the secret integrations send as {@code Authorization: Bearer <secret>}; never logged
 * @param openIdUrl where OpenID tokens are checked: the base URL serving
 *     {@code /_matrix/federation/v1/openid/userinfo} for the homeserver's own users
 * @param openIdCache how long a verified OpenID token is trusted without asking the homeserver again
 * @param linkTimeout how long a link request may wait for the connector (an IRC op's confirmation)
 * @param openIdOtherServers which other homeservers may vouch for their users' OpenID tokens
 * @param openIdServerUrls federation base URLs of other homeservers by server name, instead of discovery
 * @param limits connections and timeouts of the listener
 * @param failedAuthLimit failed authentications from one address before it is made to wait (0: never)
 */
public record ProvisioningConfig(
    boolean enabled,
    String bind,
    int port,
    String sharedSecret,
    URI openIdUrl,
    Duration openIdCache,
    Duration linkTimeout,
    OpenIdVerifier.OtherServers openIdOtherServers,
    Map<String, URI> openIdServerUrls,
    ListenerLimits limits,
    int failedAuthLimit) {

  public ProvisioningConfig {
    openIdServerUrls = Map.copyOf(openIdServerUrls);
  }

  /** With the default limits and back-off. */
  public ProvisioningConfig(boolean enabled, String bind, int port, String sharedSecret, URI openIdUrl,
      Duration openIdCache, Duration linkTimeout, OpenIdVerifier.OtherServers openIdOtherServers,
      Map<String, URI> openIdServerUrls) {
    this(enabled, bind, port, sharedSecret, openIdUrl, openIdCache, linkTimeout, openIdOtherServers,
        openIdServerUrls, ListenerLimits.PROVISIONING, ProvisioningServer.DEFAULT_FREE_FAILURES);
  }

  /** Only the bridge's own homeserver's users may use OpenID. */
  public ProvisioningConfig(boolean enabled, String bind, int port, String sharedSecret, URI openIdUrl,
      Duration openIdCache, Duration linkTimeout) {
    this(enabled, bind, port, sharedSecret, openIdUrl, openIdCache, linkTimeout, OpenIdVerifier.OtherServers.NONE,
        Map.of());
  }

  public static final int DEFAULT_PORT = 29322;
  /** Short enough to guess nothing, long enough for a password manager's default. */
  public static final int MIN_SECRET_LENGTH = 16;
  static final List<String> KEYS = List.of("enabled", "bind", "port", "shared_secret", "openid_url",
      "openid_cache_seconds", "link_timeout_seconds", "openid_other_servers", "openid_server_urls",
      "failed_auth_limit", "max_connections", "idle_timeout_seconds", "request_timeout_seconds");

  public static ProvisioningConfig disabled(URI homeserverUrl) {
    return new ProvisioningConfig(false, "127.0.0.1", DEFAULT_PORT, "", homeserverUrl, Duration.ofMinutes(1),
        Duration.ofMinutes(2));
  }

  /**
   * Reads the {@code provisioning} section (missing means disabled).
   *
   * @param homeserverUrl the default of {@code openid_url}
   * @throws ConfigException naming the key at fault
   */
  public static ProvisioningConfig fromConfig(JsonNode section, URI homeserverUrl) {
    if (section == null || section.isMissingNode() || section.isNull()) {
      return disabled(homeserverUrl);
    }
    if (!section.isObject()) {
      throw new ConfigException("provisioning must be a mapping (" + String.join(", ", KEYS) + ")");
    }
    section.fieldNames().forEachRemaining(name -> {
      if (!KEYS.contains(name)) {
        throw new ConfigException("unknown key 'provisioning." + name + "'; expected one of " + KEYS);
      }
    });
    boolean enabled = bool(section, "enabled");
    String bind = text(section, "bind", "127.0.0.1").trim();
    if (bind.isEmpty()) {
      throw new ConfigException("provisioning.bind must be an address to listen on, e.g. 127.0.0.1");
    }
    int port = (int) number(section, "port", DEFAULT_PORT, 0, 65535);
    String secret = text(section, "shared_secret", "");
    if (enabled && secret.length() < MIN_SECRET_LENGTH) {
      throw new ConfigException("provisioning.shared_secret must be at least " + MIN_SECRET_LENGTH
          + " characters when provisioning is enabled (e.g. the output of `openssl rand -hex 32`; or set "
          + "SWITCHBOARD_PROVISIONING_SHARED_SECRET)");
    }
    URI openId = homeserverUrl;
    if (section.hasNonNull("openid_url")) {
      String raw = section.get("openid_url").asText().trim();
      try {
        openId = new URI(raw);
      } catch (URISyntaxException e) {
        throw new ConfigException("provisioning.openid_url is not a valid URL: '" + raw + "'");
      }
      if (!"http".equals(openId.getScheme()) && !"https".equals(openId.getScheme()) || openId.getHost() == null) {
        throw new ConfigException("provisioning.openid_url must be an http:// or https:// URL with a host, got '"
            + raw + "'");
      }
    }
    Duration cache = Duration.ofSeconds(number(section, "openid_cache_seconds", 60, 0, 3600));
    Duration link = Duration.ofSeconds(number(section, "link_timeout_seconds", 120, 1, 3600));
    String others = text(section, "openid_other_servers", "none").trim().toLowerCase(Locale.ROOT);
    OpenIdVerifier.OtherServers otherServers = switch (others) {
      case "none" -> OpenIdVerifier.OtherServers.NONE;
      case "listed" -> OpenIdVerifier.OtherServers.LISTED;
      case "any" -> OpenIdVerifier.OtherServers.ANY;
      default -> throw new ConfigException("provisioning.openid_other_servers must be none, listed or any, got '"
          + others + "'");
    };
    Map<String, URI> serverUrls = new java.util.LinkedHashMap<>();
    JsonNode urls = section.path("openid_server_urls");
    if (!urls.isMissingNode() && !urls.isNull()) {
      if (!urls.isObject()) {
        throw new ConfigException("provisioning.openid_server_urls must map server names to URLs, e.g. "
            + "{\"example.com\": \"https://matrix.example.com:8448\"}");
      }
      urls.fields().forEachRemaining(e -> {
        String key = "provisioning.openid_server_urls." + e.getKey();
        if (!FederationServers.isServerName(e.getKey())) {
          throw new ConfigException(key + ": '" + e.getKey() + "' is not a server name");
        }
        serverUrls.put(e.getKey().toLowerCase(Locale.ROOT), httpUrl(key, e.getValue().asText().trim()));
      });
    }
    int failedAuthLimit = (int) number(section, "failed_auth_limit", ProvisioningServer.DEFAULT_FREE_FAILURES, 0,
        1000);
    return new ProvisioningConfig(enabled, bind, port, secret, openId, cache, link, otherServers, serverUrls,
        ListenerLimits.read(section, "provisioning", ListenerLimits.PROVISIONING), failedAuthLimit);
  }

  private static URI httpUrl(String key, String raw) {
    URI url;
    try {
      url = new URI(raw);
    } catch (URISyntaxException e) {
      throw new ConfigException(key + " is not a valid URL: '" + raw + "'");
    }
    if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
      throw new ConfigException(key + " must be an http:// or https:// URL with a host, got '" + raw + "'");
    }
    return url;
  }

  private static boolean bool(JsonNode section, String key) {
    JsonNode v = section.path(key);
    if (v.isMissingNode() || v.isNull()) {
      return false;
    }
    String s = v.asText().trim().toLowerCase(Locale.ROOT);
    if (!s.equals("true") && !s.equals("false")) {
      throw new ConfigException("provisioning." + key + " must be true or false, got '" + v.asText() + "'");
    }
    return s.equals("true");
  }

  private static String text(JsonNode section, String key, String fallback) {
    JsonNode v = section.path(key);
    return v.isValueNode() && !v.isNull() ? v.asText() : fallback;
  }

  private static long number(JsonNode section, String key, long fallback, long min, long max) {
    JsonNode v = section.path(key);
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(v.asText().trim());
      if (value < min || value > max) {
        throw new ConfigException("provisioning." + key + " must be between " + min + " and " + max + ", got "
            + value);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException("provisioning." + key + " must be a whole number, got '" + v.asText() + "'");
    }
  }

  @Override
  public String toString() {
    return "ProvisioningConfig[enabled=" + enabled + ", bind=" + bind + ", port=" + port + ", sharedSecret="
        + (sharedSecret.isEmpty() ? "none" : "***") + ", openIdUrl=" + openIdUrl + ", openIdCache=" + openIdCache
        + ", linkTimeout=" + linkTimeout + ", openIdOtherServers=" + openIdOtherServers + ", openIdServerUrls="
        + openIdServerUrls + ", limits=" + limits + ", failedAuthLimit=" + failedAuthLimit + "]";
  }
}
