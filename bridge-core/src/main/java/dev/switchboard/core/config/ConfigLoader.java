package dev.switchboard.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.http.ListenerLimits;
import dev.switchboard.core.media.MediaConfig;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.permission.RelayFormat;
import dev.switchboard.core.provisioning.ProvisioningConfig;
import dev.switchboard.registration.FileProblem;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
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
          "provisioning", "relay", "media");
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
    if (!Files.exists(file)) {
      throw new ConfigException("config file " + file + " does not exist (`switchboard run --config " + file
          + "` writes a commented sample there)");
    }
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new ConfigException("config " + file + " is not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""), e);
    } catch (IOException e) {
      throw new ConfigException("cannot read config " + file + ": " + FileProblem.describe(e), e);
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
    ConfigSection top = ConfigSection.of(root, "");
    ConfigSection hs = required(top, "homeserver");
    URI hsUrl = hs.httpUrl("url");
    String domain = hs.requiredText("domain", "the homeserver's server name, e.g. example.org");
    if (!DOMAIN.matcher(domain).matches()) {
      throw new ConfigException("homeserver.domain '" + domain + "' is not a server name (expected e.g. example.org)");
    }

    ConfigSection as = required(top, "appservice");
    String id = as.text("id", "switchboard");
    if (as.has("id") && as.optionalText("id").isEmpty()) {
      throw new ConfigException("appservice.id must not be empty");
    }
    String bind = as.text("bind", "127.0.0.1");
    int port = as.integer("port", 29320, 1, 65535);
    URI asUrl = as.optionalHttpUrl("url").orElse(URI.create("http://" + bind + ":" + port));
    String bot = as.text("bot_localpart", "switchboard");
    if (!LOCALPART.matcher(bot).matches()) {
      throw new ConfigException("appservice.bot_localpart '" + bot
          + "' may only contain lower-case a-z, 0-9 and . _ = - / +");
    }
    Path base = file.toAbsolutePath().getParent();
    Path registration = base.resolve(as.text("registration", "registration.yaml"));
    int maxBody = as.integer("max_body_bytes", 10 * 1024 * 1024, 1024, Integer.MAX_VALUE);
    int txnHours = as.integer("txn_retention_hours", 168, 1, 24 * 365);
    int eventDays = as.integer("event_retention_days", 30, 1, 3650);

    ConfigSection db = top.section("database");
    String dbUrl = databaseUrl(db, base);
    String password = environment.getOrDefault("SWITCHBOARD_DATABASE_PASSWORD", db.text("password", ""));
    String secretKey = environment.getOrDefault("SWITCHBOARD_DATABASE_SECRET_KEY", db.text("secret_key", ""));
    Path secretKeyFile = db.optionalText("secret_key_file").map(base::resolve)
        .orElseGet(() -> dev.switchboard.core.store.SecretBox.defaultKeyFile(dbUrl, base));

    Map<String, JsonNode> connectors = new LinkedHashMap<>();
    for (String name : CONNECTOR_SECTIONS) {
      if (top.has(name)) {
        ConfigSection section = top.section(name);
        section.bool("enabled", true);
        connectors.put(name, section.node());
      }
    }
    BridgeConfig.Metrics metrics = metrics(top);
    if (metrics.enabled() && metrics.port() == port) {
      throw new ConfigException("metrics.port " + port + " is also appservice.port; the metrics listener needs a "
          + "port of its own (default " + BridgeConfig.Metrics.DEFAULT_PORT + ")");
    }
    Permissions permissions = Permissions.fromConfig(root.path("permissions"), domain)
        .withRelay(RelayFormat.fromConfig(top.section("relay")));
    ProvisioningConfig provisioning = ProvisioningConfig.fromConfig(top.section("provisioning"), hsUrl);
    if (provisioning.enabled() && (provisioning.port() == port
        || metrics.enabled() && provisioning.port() == metrics.port() && provisioning.port() != 0)) {
      throw new ConfigException("provisioning.port " + provisioning.port() + " is already used by the AS API or the "
          + "metrics listener; give it a port of its own (default " + ProvisioningConfig.DEFAULT_PORT + ")");
    }
    MediaConfig media = MediaConfig.fromConfig(top.section("media"), asUrl.getHost());
    if (media.enabled() && media.port() != 0 && (media.port() == port
        || metrics.enabled() && media.port() == metrics.port()
        || provisioning.enabled() && media.port() == provisioning.port())) {
      throw new ConfigException("media.port " + media.port() + " is already used by the AS API, the metrics listener "
          + "or the provisioning API; give it a port of its own (default " + MediaConfig.DEFAULT_PORT + ")");
    }
    return new BridgeConfig(
        new BridgeConfig.Homeserver(hsUrl, domain),
        new BridgeConfig.AppService(id, bind, port, asUrl, bot, registration, maxBody,
            java.time.Duration.ofHours(txnHours), java.time.Duration.ofDays(eventDays),
            ListenerLimits.read(as, ListenerLimits.APPSERVICE)),
        new BridgeConfig.DatabaseConfig(dbUrl, db.text("user", ""), password, secretKey, secretKeyFile),
        connectors,
        file.toAbsolutePath(),
        metrics,
        permissions,
        provisioning,
        logging(top),
        media);
  }

  private static BridgeConfig.Logging logging(ConfigSection top) {
    if (!top.has("logging")) {
      return BridgeConfig.Logging.defaults();
    }
    ConfigSection section = top.section("logging").allowOnly(List.of("format", "level", "levels"));
    String format = section.text("format", "text").toLowerCase(Locale.ROOT);
    if (!format.equals("text") && !format.equals("json")) {
      throw new ConfigException("logging.format must be text or json, got '" + format + "'");
    }
    String level = logLevel(section.text("level", "INFO"), "logging.level");
    Map<String, String> levels = new LinkedHashMap<>();
    JsonNode perLogger = section.node().path("levels");
    if (section.has("levels")) {
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

  private static BridgeConfig.Metrics metrics(ConfigSection top) {
    if (!top.has("metrics")) {
      return BridgeConfig.Metrics.disabled();
    }
    List<String> keys = new java.util.ArrayList<>(List.of("enabled", "bind", "port"));
    keys.addAll(ListenerLimits.KEYS);
    ConfigSection section = top.section("metrics").allowOnly(keys);
    boolean on = section.bool("enabled", false);
    String bind = section.text("bind", "127.0.0.1");
    if (section.has("bind") && section.optionalText("bind").isEmpty()) {
      throw new ConfigException("metrics.bind must be an address to listen on, e.g. 127.0.0.1");
    }
    int port = section.integer("port", BridgeConfig.Metrics.DEFAULT_PORT, 0, 65535);
    return new BridgeConfig.Metrics(on, bind, port,
        ListenerLimits.read(section, ListenerLimits.METRICS));
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

  private static ConfigSection required(ConfigSection top, String name) {
    if (!top.node().path(name).isObject()) {
      throw new ConfigException("config section '" + name + "' is missing or not a mapping");
    }
    return top.section(name);
  }

  /** {@code database.url}; a relative SQLite file is relative to the config file. */
  private static String databaseUrl(ConfigSection db, Path base) {
    String url = db.text("url", "jdbc:sqlite:switchboard.db");
    if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
      throw new ConfigException("database.url must start with jdbc:sqlite: or jdbc:postgresql:");
    }
    if (url.startsWith("jdbc:sqlite:")) {
      String path = url.substring("jdbc:sqlite:".length());
      if (!path.isEmpty() && !path.startsWith(":") && !path.startsWith("file:") && !Path.of(path).isAbsolute()) {
        return "jdbc:sqlite:" + base.resolve(path);
      }
    }
    return url;
  }
}
