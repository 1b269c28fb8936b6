package dev.switchboard.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.http.ListenerLimits;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.permission.RelayFormat;
import dev.switchboard.core.provisioning.ProvisioningConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads the YAML config, applies environment overrides and validates it, naming the key at fault. */
public final class ConfigLoader {
  /** Connector sections core knows about; others are rejected so typos are caught. */
  public static final List<String> CONNECTOR_SECTIONS = List.of("irc", "xmpp", "sip");

  private static final List<String> TOP_LEVEL =
      List.of("homeserver", "appservice", "database", "irc", "xmpp", "sip", "logging", "metrics", "permissions",
          "provisioning", "relay");
  private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");
  private static final Pattern LOCALPART = Pattern.compile("[a-z0-9._=/+-]+");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Map<String, String> environment;

  public ConfigLoader(Map<String, String> environment) {
    this.environment = environment;
  }

  /** The commented sample config written on first start. */
  public static String sampleConfig() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/switchboard/sample-config.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("sample config missing from the jar", e);
    }
  }

  /** Loads and validates {@code file}. */
  public BridgeConfig load(Path file) {
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + file + " is not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""), e);
    } catch (IOException e) {
      throw new ConfigException("cannot read config " + file + ": " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException("config " + file + " must be a YAML mapping with homeserver, appservice, database");
    }
    return parse((ObjectNode) root, file);
  }

  /** Validates an already parsed tree; {@code file} locates relative paths. */
  public BridgeConfig parse(ObjectNode root, Path file) {
    applyEnvironment(root);
    root.fieldNames().forEachRemaining(name -> {
      if (!TOP_LEVEL.contains(name)) {
        throw new ConfigException("unknown config key '" + name + "'; expected one of " + TOP_LEVEL);
      }
    });
    JsonNode hs = section(root, "homeserver");
    URI hsUrl = httpUrl(hs, "homeserver.url");
    String domain = requiredText(hs, "homeserver.domain");
    if (!DOMAIN.matcher(domain).matches()) {
      throw new ConfigException("homeserver.domain '" + domain + "' is not a server name (expected e.g. example.org)");
    }

    JsonNode as = section(root, "appservice");
    String id = text(as, "id", "switchboard");
    if (id.isBlank()) {
      throw new ConfigException("appservice.id must not be empty");
    }
    String bind = text(as, "bind", "127.0.0.1");
    int port = integer(as, "appservice.port", "port", 29320, 1, 65535);
    URI asUrl = as.has("url") ? httpUrl(as, "appservice.url") : URI.create("http://" + bind + ":" + port);
    String bot = text(as, "bot_localpart", "switchboard");
    if (!LOCALPART.matcher(bot).matches()) {
      throw new ConfigException("appservice.bot_localpart '" + bot
          + "' may only contain lower-case a-z, 0-9 and . _ = - / +");
    }
    Path base = file.toAbsolutePath().getParent();
    Path registration = base.resolve(text(as, "registration", "registration.yaml"));
    int maxBody = integer(as, "appservice.max_body_bytes", "max_body_bytes", 10 * 1024 * 1024, 1024,
        Integer.MAX_VALUE);
    int txnHours = integer(as, "appservice.txn_retention_hours", "txn_retention_hours", 168, 1, 24 * 365);
    int eventDays = integer(as, "appservice.event_retention_days", "event_retention_days", 30, 1, 3650);

    JsonNode db = root.path("database");
    String dbUrl = text(db, "url", "jdbc:sqlite:switchboard.db");
    if (!dbUrl.startsWith("jdbc:sqlite:") && !dbUrl.startsWith("jdbc:postgresql:")) {
      throw new ConfigException("database.url must start with jdbc:sqlite: or jdbc:postgresql:");
    }
    if (dbUrl.startsWith("jdbc:sqlite:")) {
      String dbPath = dbUrl.substring("jdbc:sqlite:".length());
      if (!dbPath.isEmpty() && !dbPath.startsWith(":") && !dbPath.startsWith("file:") && !Path.of(dbPath).isAbsolute()) {
        dbUrl = "jdbc:sqlite:" + base.resolve(dbPath);
      }
    }
    String password = environment.getOrDefault("SWITCHBOARD_DATABASE_PASSWORD", text(db, "password", ""));
    String secretKey = environment.getOrDefault("SWITCHBOARD_DATABASE_SECRET_KEY", text(db, "secret_key", ""));
    Path secretKeyFile = db.hasNonNull("secret_key_file")
        ? base.resolve(text(db, "secret_key_file", ""))
        : dev.switchboard.core.store.SecretBox.defaultKeyFile(dbUrl, base);

    Map<String, JsonNode> connectors = new LinkedHashMap<>();
    for (String name : CONNECTOR_SECTIONS) {
      JsonNode section = root.path(name);
      if (!section.isMissingNode() && !section.isNull()) {
        if (!section.isObject()) {
          throw new ConfigException(name + " must be a mapping (with at least 'enabled: true|false')");
        }
        JsonNode enabled = section.path("enabled");
        if (!enabled.isMissingNode() && !enabled.isBoolean()) {
          throw new ConfigException(name + ".enabled must be true or false, got '" + enabled.asText() + "'");
        }
        connectors.put(name, section);
      }
    }
    BridgeConfig.Metrics metrics = metrics(root.path("metrics"));
    if (metrics.enabled() && metrics.port() == port) {
      throw new ConfigException("metrics.port " + port + " is also appservice.port; the metrics listener needs a "
          + "port of its own (default " + BridgeConfig.Metrics.DEFAULT_PORT + ")");
    }
    Permissions permissions = Permissions.fromConfig(root.path("permissions"), domain)
        .withRelay(RelayFormat.fromConfig(root.path("relay")));
    ProvisioningConfig provisioning = ProvisioningConfig.fromConfig(root.path("provisioning"), hsUrl);
    if (provisioning.enabled() && (provisioning.port() == port
        || metrics.enabled() && provisioning.port() == metrics.port() && provisioning.port() != 0)) {
      throw new ConfigException("provisioning.port " + provisioning.port() + " is already used by the AS API or the "
          + "metrics listener; give it a port of its own (default " + ProvisioningConfig.DEFAULT_PORT + ")");
    }
    return new BridgeConfig(
        new BridgeConfig.Homeserver(hsUrl, domain),
        new BridgeConfig.AppService(id, bind, port, asUrl, bot, registration, maxBody,
            java.time.Duration.ofHours(txnHours), java.time.Duration.ofDays(eventDays),
            ListenerLimits.read(as, "appservice", ListenerLimits.APPSERVICE)),
        new BridgeConfig.DatabaseConfig(dbUrl, text(db, "user", ""), password, secretKey, secretKeyFile),
        connectors,
        file.toAbsolutePath(),
        metrics,
        permissions,
        provisioning,
        logging(root.path("logging")));
  }

  private static BridgeConfig.Logging logging(JsonNode section) {
    if (section.isMissingNode() || section.isNull()) {
      return BridgeConfig.Logging.defaults();
    }
    if (!section.isObject()) {
      throw new ConfigException("logging must be a mapping (format, level, levels)");
    }
    section.fieldNames().forEachRemaining(name -> {
      if (!List.of("format", "level", "levels").contains(name)) {
        throw new ConfigException("unknown key 'logging." + name + "'; expected format, level, levels");
      }
    });
    String format = text(section, "format", "text").trim().toLowerCase(Locale.ROOT);
    if (!format.equals("text") && !format.equals("json")) {
      throw new ConfigException("logging.format must be text or json, got '" + format + "'");
    }
    String level = logLevel(text(section, "level", "INFO"), "logging.level");
    Map<String, String> levels = new LinkedHashMap<>();
    JsonNode perLogger = section.path("levels");
    if (!perLogger.isMissingNode() && !perLogger.isNull()) {
      if (!perLogger.isObject()) {
        throw new ConfigException("logging.levels must map a connector (irc, xmpp, sip, core) or a logger name to a "
            + "level, e.g. irc: debug");
      }
      perLogger.properties().forEach(e -> levels.put(e.getKey().trim(),
          logLevel(e.getValue().asText(), "logging.levels." + e.getKey())));
    }
    return new BridgeConfig.Logging(format.equals("json"), level, levels);
  }

  private static String logLevel(String raw, String key) {
    String level = raw.trim().toUpperCase(Locale.ROOT);
    if (!BridgeConfig.Logging.LEVELS.contains(level)) {
      throw new ConfigException(key + " must be one of trace, debug, info, warn, error, off; got '" + raw + "'");
    }
    return level;
  }

  private static BridgeConfig.Metrics metrics(JsonNode section) {
    if (section.isMissingNode() || section.isNull()) {
      return BridgeConfig.Metrics.disabled();
    }
    if (!section.isObject()) {
      throw new ConfigException("metrics must be a mapping (enabled, bind, port)");
    }
    List<String> keys = new java.util.ArrayList<>(List.of("enabled", "bind", "port"));
    keys.addAll(ListenerLimits.KEYS);
    section.fieldNames().forEachRemaining(name -> {
      if (!keys.contains(name)) {
        throw new ConfigException("unknown key 'metrics." + name + "'; expected one of " + keys);
      }
    });
    JsonNode enabled = section.path("enabled");
    boolean on = false;
    if (!enabled.isMissingNode() && !enabled.isNull()) {
      String v = enabled.asText().trim().toLowerCase(Locale.ROOT);
      if (!v.equals("true") && !v.equals("false")) {
        throw new ConfigException("metrics.enabled must be true or false, got '" + enabled.asText() + "'");
      }
      on = v.equals("true");
    }
    String bind = text(section, "bind", "127.0.0.1").trim();
    if (bind.isEmpty()) {
      throw new ConfigException("metrics.bind must be an address to listen on, e.g. 127.0.0.1");
    }
    int port = integer(section, "metrics.port", "port", BridgeConfig.Metrics.DEFAULT_PORT, 0, 65535);
    return new BridgeConfig.Metrics(on, bind, port, ListenerLimits.read(section, "metrics", ListenerLimits.METRICS));
  }

  /**
   * {@code SWITCHBOARD_HOMESERVER_URL=...} replaces {@code homeserver.url}; a double underscore goes one level
   * deeper, for secrets inside connector sections: {@code SWITCHBOARD_SIP_TRUNK__PASSWORD} replaces
   * {@code sip.trunk.password}, {@code SWITCHBOARD_IRC_NETWORKS__LIBERA__PASSWORD} {@code irc.networks.libera.password}.
   */
  private void applyEnvironment(ObjectNode root) {
    for (Map.Entry<String, String> e : environment.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith("SWITCHBOARD_") || key.equals("SWITCHBOARD_DATABASE_PASSWORD")
          || key.equals("SWITCHBOARD_DATABASE_SECRET_KEY")) {
        continue;
      }
      String rest = key.substring("SWITCHBOARD_".length()).toLowerCase(Locale.ROOT);
      for (String section : TOP_LEVEL) {
        if (rest.startsWith(section + "_") && rest.length() > section.length() + 1) {
          String[] path = rest.substring(section.length() + 1).split("__");
          ObjectNode target = objectAt(root, section);
          for (int i = 0; i < path.length - 1; i++) {
            target = objectAt(target, path[i]);
          }
          target.put(path[path.length - 1], e.getValue());
        }
      }
    }
  }

  private static ObjectNode objectAt(ObjectNode parent, String field) {
    JsonNode node = parent.path(field);
    return node.isObject() ? (ObjectNode) node : parent.putObject(field);
  }

  private static JsonNode section(JsonNode root, String name) {
    JsonNode node = root.path(name);
    if (!node.isObject()) {
      throw new ConfigException("config section '" + name + "' is missing or not a mapping");
    }
    return node;
  }

  private static String requiredText(JsonNode node, String key) {
    String field = key.substring(key.lastIndexOf('.') + 1);
    JsonNode v = node.path(field);
    if (!v.isValueNode() || v.asText().isBlank()) {
      throw new ConfigException(key + " is required (a non-empty string)");
    }
    return v.asText().trim();
  }

  private static String text(JsonNode node, String field, String fallback) {
    JsonNode v = node.path(field);
    return v.isValueNode() && !v.isNull() ? v.asText() : fallback;
  }

  private static int integer(JsonNode node, String key, String field, int fallback, int min, int max) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(v.asText().trim());
      if (value < min || value > max) {
        throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + value);
      }
      return (int) value;
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be a whole number, got '" + v.asText() + "'");
    }
  }

  private static URI httpUrl(JsonNode node, String key) {
    String raw = requiredText(node, key);
    try {
      URI uri = new URI(raw);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new ConfigException(key + " must be an http:// or https:// URL with a host, got '" + raw + "'");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException(key + " is not a valid URL: '" + raw + "'");
    }
  }
}
