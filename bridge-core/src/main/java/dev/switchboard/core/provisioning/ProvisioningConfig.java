package dev.switchboard.core.provisioning;

import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigSection;
import dev.switchboard.core.http.ListenerLimits;
import java.net.URI;
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
  public static ProvisioningConfig fromConfig(ConfigSection section, URI homeserverUrl) {
    if (section.node().isMissingNode()) {
      return disabled(homeserverUrl);
    }
    section.allowOnly(KEYS);
    boolean enabled = section.bool("enabled", false);
    String bind = section.text("bind", "127.0.0.1");
    if (section.has("bind") && section.optionalText("bind").isEmpty()) {
      throw new ConfigException("provisioning.bind must be an address to listen on, e.g. 127.0.0.1");
    }
    int port = section.integer("port", DEFAULT_PORT, 0, 65535);
    String secret = section.has("shared_secret") ? section.node().path("shared_secret").asText() : "";
    if (enabled && secret.length() < MIN_SECRET_LENGTH) {
      throw new ConfigException("provisioning.shared_secret must be at least " + MIN_SECRET_LENGTH
          + " characters when provisioning is enabled (e.g. the output of `openssl rand -hex 32`; or set "
          + "SWITCHBOARD_PROVISIONING_SHARED_SECRET)");
    }
    URI openId = section.optionalHttpUrl("openid_url").orElse(homeserverUrl);
    Duration cache = section.seconds("openid_cache_seconds", Duration.ofMinutes(1), Duration.ZERO,
        Duration.ofHours(1));
    Duration link = section.seconds("link_timeout_seconds", Duration.ofMinutes(2), Duration.ofSeconds(1),
        Duration.ofHours(1));
    OpenIdVerifier.OtherServers otherServers =
        section.choice("openid_other_servers", OpenIdVerifier.OtherServers.class, OpenIdVerifier.OtherServers.NONE);
    Map<String, URI> serverUrls = new java.util.LinkedHashMap<>();
    if (section.has("openid_server_urls")) {
      if (!section.node().path("openid_server_urls").isObject()) {
        throw new ConfigException("provisioning.openid_server_urls must map server names to URLs, e.g. "
            + "{\"example.com\": \"https://matrix.example.com:8448\"}");
      }
      ConfigSection urls = section.section("openid_server_urls");
      urls.node().fieldNames().forEachRemaining(name -> {
        if (!FederationServers.isServerName(name)) {
          throw urls.problem(name, "is not a server name");
        }
        serverUrls.put(name.toLowerCase(Locale.ROOT), urls.httpUrl(name));
      });
    }
    int failedAuthLimit = section.integer("failed_auth_limit", ProvisioningServer.DEFAULT_FREE_FAILURES, 0, 1000);
    return new ProvisioningConfig(enabled, bind, port, secret, openId, cache, link, otherServers, serverUrls,
        ListenerLimits.read(section, ListenerLimits.PROVISIONING), failedAuthLimit);
  }


  @Override
  public String toString() {
    return "ProvisioningConfig[enabled=" + enabled + ", bind=" + bind + ", port=" + port + ", sharedSecret="
        + (sharedSecret.isEmpty() ? "none" : "***") + ", openIdUrl=" + openIdUrl + ", openIdCache=" + openIdCache
        + ", linkTimeout=" + linkTimeout + ", openIdOtherServers=" + openIdOtherServers + ", openIdServerUrls="
        + openIdServerUrls + ", limits=" + limits + ", failedAuthLimit=" + failedAuthLimit + "]";
  }
}
