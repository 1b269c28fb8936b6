package dev.switchboard.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.http.ListenerLimits;
import dev.switchboard.core.media.MediaConfig;
import dev.switchboard.core.media.MediaKeys;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.provisioning.ProvisioningConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * The validated bridge config. Connector sections stay as trees: each connector validates its own.
 *
 * @param connectors the {@code irc}, {@code xmpp}, {@code sip} sections by name
 */
public record BridgeConfig(
    Homeserver homeserver,
    AppService appservice,
    DatabaseConfig database,
    Map<String, JsonNode> connectors,
    Path configFile,
    Metrics metrics,
    Permissions permissions,
    ProvisioningConfig provisioning,
    Logging logging,
    MediaConfig media) {

  /** Without the operator sections: metrics off, default permissions for the homeserver's domain. */
  public BridgeConfig(Homeserver homeserver, AppService appservice, DatabaseConfig database,
      Map<String, JsonNode> connectors, Path configFile) {
    this(homeserver, appservice, database, connectors, configFile, Metrics.disabled(),
        Permissions.defaults(homeserver.domain()));
  }

  /** Without provisioning and the media endpoint, with the default logging. */
  public BridgeConfig(Homeserver homeserver, AppService appservice, DatabaseConfig database,
      Map<String, JsonNode> connectors, Path configFile, Metrics metrics, Permissions permissions) {
    this(homeserver, appservice, database, connectors, configFile, metrics, permissions,
        ProvisioningConfig.disabled(homeserver.url()), Logging.defaults(), MediaConfig.disabled());
  }

  /**
   * How the bridge logs (section {@code logging}); applied by the app at start.
   *
   * @param json JSON lines instead of human-readable lines
   * @param level the root level, e.g. {@code INFO}
   * @param levels levels per connector ({@code irc}, {@code xmpp}, {@code sip}, {@code core}) or per logger name
   */
  public record Logging(boolean json, String level, Map<String, String> levels) {
    public static final java.util.List<String> LEVELS = java.util.List.of("TRACE", "DEBUG", "INFO", "WARN",
        "ERROR", "OFF");

    public Logging {
      levels = Map.copyOf(levels);
    }

    public static Logging defaults() {
      return new Logging(false, "INFO", Map.of());
    }
  }

  /**
   * The optional listener for {@code /metrics} and {@code /health}, separate from the AS API.
   *
   * @param bind loopback by default: the endpoints have no authentication
   */
  public record Metrics(boolean enabled, String bind, int port, ListenerLimits limits) {
    public static final int DEFAULT_PORT = 29321;

    /** With the default limits. */
    public Metrics(boolean enabled, String bind, int port) {
      this(enabled, bind, port, ListenerLimits.METRICS);
    }

    public static Metrics disabled() {
      return new Metrics(false, "127.0.0.1", DEFAULT_PORT);
    }
  }

  /** How we reach the homeserver. */
  public record Homeserver(URI url, String domain) {}

  /**
   * Our AS listener and identity.
   *
   * @param maxBodyBytes the largest transaction body accepted (413 above it)
   * @param txnRetention how long (txn id, body digest) records are kept to recognise homeserver retries
   * @param eventRetention how long ids of dispatched events are kept to recognise repeats
   * @param limits connections and timeouts of the listener
   */
  public record AppService(
      String id,
      String bind,
      int port,
      URI url,
      String botLocalpart,
      Path registration,
      int maxBodyBytes,
      java.time.Duration txnRetention,
      java.time.Duration eventRetention,
      ListenerLimits limits) {

    /** With the default limits. */
    public AppService(String id, String bind, int port, URI url, String botLocalpart, Path registration,
        int maxBodyBytes, java.time.Duration txnRetention, java.time.Duration eventRetention) {
      this(id, bind, port, url, botLocalpart, registration, maxBodyBytes, txnRetention, eventRetention,
          ListenerLimits.APPSERVICE);
    }
  }

  /**
   * JDBC settings; password may come from {@code SWITCHBOARD_DATABASE_PASSWORD}.
   *
   * @param secretKey base64 of the 32-byte key that encrypts login secrets, or empty to use {@code secretKeyFile}
   * @param secretKeyFile where the key lives (created with mode 0600 on first start if missing)
   */
  public record DatabaseConfig(String url, String user, String password, String secretKey, Path secretKeyFile) {
    @Override
    public String toString() {
      return "DatabaseConfig[url=" + url + ", user=" + user + ", password=" + (password == null ? "none" : "***")
          + ", secretKey=" + (secretKey == null || secretKey.isEmpty() ? "none" : "***") + ", secretKeyFile="
          + secretKeyFile + "]";
    }
  }

  /** Where the media link key lives: beside the secret key file. */
  public java.nio.file.Path mediaKeyFile() {
    return MediaKeys.besideSecretKey(database.secretKeyFile());
  }

  /** The section of a connector, or an empty object. */
  public JsonNode connector(String protocol) {
    return connectors.getOrDefault(protocol, JsonNodeFactory.instance.objectNode());
  }

  /** The section of a connector as a {@link ConfigSection}, for its config record's parser. */
  public ConfigSection connectorSection(String protocol) {
    return ConfigSection.of(connector(protocol), protocol);
  }

  /** True when the connector's section says {@code enabled: true}. */
  public boolean connectorEnabled(String protocol) {
    return connector(protocol).path("enabled").asBoolean(false);
  }
}
