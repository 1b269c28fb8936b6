package dev.switchboard.irc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigSection;
import dev.switchboard.core.connector.HubSettings;
import dev.switchboard.core.portal.LinkedRoomAliases;
import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.ident.IdentConfig;
import dev.switchboard.irc.membership.NetsplitConfig;
import dev.switchboard.irc.network.ConnectionSecurity;
import dev.switchboard.irc.network.NetworkConfig;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.portal.OperatorConsent;
import dev.switchboard.irc.puppet.ConnectionLimits;
import dev.switchboard.irc.puppet.PuppetNick;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code irc:} config section, read once when the connector is built and validated there: every problem names
 * its key and what is expected. Everything the IRC connector is configured with comes from here.
 *
 * <pre>
 * irc:
 *   user_prefix: _irc_      # ghosts @_irc_&lt;network&gt;_&lt;nick&gt;
 *   alias_prefix: _irc_     # portals #_irc_&lt;network&gt;_&lt;#channel&gt;
 *   presence: true          # IRC away state → ghost presence
 *   ident: { enabled: true, bind: 0.0.0.0, port: 113 }
 *   link_confirmation: ops  # the default of every network
 *   networks:
 *     libera: { host: irc.libera.chat, port: 6697, tls: true, nick: switchboard, channels_allowed: ["#java"],
 *               flood: { burst: 5, per_second: 2 }, line_limit: 3, max_connections: 200 }
 * </pre>
 *
 * @param hub core's {@code irc.hub} settings for rooms linked to other networks too
 * @param portalAliases core's {@code irc.hub.portal_aliases}
 */
public record IrcConfig(String userPrefix, String aliasPrefix, Map<String, NetworkConfig> networks, boolean presence,
    IdentConfig ident, HubSettings hub, boolean portalAliases) {
  private static final Logger log = LoggerFactory.getLogger(IrcConfig.class);

  /**
   * Network ids appear in ghost localparts and aliases between the prefix and the nick or channel, so they use only
   * characters that need no escaping and never {@code _}, which separates them from the nick.
   */
  private static final Pattern NETWORK_ID = Pattern.compile("[a-z0-9][a-z0-9.-]{0,31}");

  private static final Pattern PREFIX = Pattern.compile("[a-z0-9._=/-]+");

  /** Default for {@code line_limit}: longer messages become a link, as in matrix-appservice-irc. */
  public static final int DEFAULT_LINE_LIMIT = 3;

  public IrcConfig {
    networks = Map.copyOf(networks);
  }

  /**
   * The start of ghost ids ({@code user_prefix}) and portal aliases ({@code alias_prefix}): all the registration
   * needs, readable without the rest of the section (an {@code irc:} section may be enabled before it has networks).
   */
  public record Prefixes(String user, String alias) {
    public static Prefixes parse(ConfigSection irc) {
      return new Prefixes(prefix(irc, "user_prefix"), prefix(irc, "alias_prefix"));
    }
  }

  public Prefixes prefixes() {
    return new Prefixes(userPrefix, aliasPrefix);
  }

  public Optional<NetworkConfig> network(String id) {
    return Optional.ofNullable(networks.get(id));
  }

  /** Parses and validates the {@code irc:} section. */
  public static IrcConfig parse(JsonNode irc) {
    return parse(ConfigSection.of(irc, "irc"));
  }

  /** Parses and validates the {@code irc:} section. */
  public static IrcConfig parse(ConfigSection irc) {
    Prefixes prefixes = Prefixes.parse(irc);
    JsonNode nets = irc.node().path("networks");
    if (!nets.isObject() || nets.isEmpty()) {
      throw new ConfigException(irc.key("networks") + " must map at least one network id to its settings, e.g. "
          + "networks: { libera: { host: irc.libera.chat, nick: switchboard } }");
    }
    OperatorConsent.Settings consent = linkConfirmation(irc, OperatorConsent.Settings.DEFAULT);
    Map<String, NetworkConfig> networks = new LinkedHashMap<>();
    for (var entry : nets.properties()) {
      networks.put(entry.getKey(), network(irc.section("networks"), entry.getKey(), consent));
    }
    ignoreMediaBaseUrl(irc);
    return new IrcConfig(prefixes.user(), prefixes.alias(), networks, irc.bool("presence", true), ident(irc),
        HubSettings.from(irc.node(), irc.path()), LinkedRoomAliases.allowed(irc.node(), irc.path()));
  }

  /**
   * {@code media_base_url} named the homeserver IRC users downloaded files from, before the bridge served them itself
   * (core's {@code media.public_url}): configs that still have it start, and say once that it does nothing.
   */
  private static void ignoreMediaBaseUrl(ConfigSection irc) {
    if (irc.has("media_base_url")) {
      log.warn("{} is no longer used and is ignored: links to Matrix files go to the bridge's media endpoint at "
          + "media.public_url (see docs/operations.md); remove it", irc.key("media_base_url"));
    }
  }

  private static String prefix(ConfigSection irc, String field) {
    JsonNode v = irc.node().path(field);
    if (!irc.has(field)) {
      return "_irc_";
    }
    if (!v.isTextual() || !PREFIX.matcher(v.asText()).matches()) {
      throw irc.problem(field, "must be a non-empty string of a-z, 0-9, '.', '_', '=', '-', '/' (a Matrix localpart "
          + "start), got " + v);
    }
    return v.asText();
  }

  private static IdentConfig ident(ConfigSection irc) {
    if (!irc.has("ident")) {
      return IdentConfig.OFF;
    }
    ConfigSection ident = map(irc, "ident", "{ enabled: true, bind: 0.0.0.0, port: 113 }");
    String bind = ident.text("bind", IdentConfig.OFF.bind());
    if (!bind.matches("[0-9A-Za-z.:\\-\\[\\]]{1,255}")) {
      throw ident.problem("bind", "must be an IP address or host name to listen on (e.g. 0.0.0.0), got " + bind);
    }
    return new IdentConfig(ident.bool("enabled", false), bind, ident.integer("port", IdentConfig.OFF.port(), 0,
        65535));
  }

  private static NetworkConfig network(ConfigSection networks, String id, OperatorConsent.Settings consent) {
    String key = networks.key(id);
    if (!NETWORK_ID.matcher(id).matches()) {
      throw new ConfigException(key + ": the network id must be 1-32 characters of a-z, 0-9, '.', '-' starting with "
          + "a letter or digit (no '_': it separates the network from the nick in ghost ids), got '" + id + "'");
    }
    ConfigSection n = map(networks, id, "{ host: irc.libera.chat, nick: switchboard } (at least host and nick)");
    String host = n.requiredText("host", "the IRC server's host name, e.g. irc.libera.chat");
    boolean tls = n.bool("tls", true);
    int port = port(n, tls ? 6697 : 6667);
    Optional<String> password = secret(n, "password");
    String nick = n.requiredText("nick", "the bridge bot's IRC nick, e.g. switchboard");
    if (!PuppetNick.isValid(nick)) {
      throw n.problem("nick", "must be a valid IRC nick (a letter or one of []\\`_^{|} first, then letters, digits, "
          + "[]\\`_^{|}-), got '" + nick + "'");
    }
    return new NetworkConfig(id, host, port, tls, password, nick, channelsAllowed(n), flood(n),
        n.integer("line_limit", DEFAULT_LINE_LIMIT, 1, 1000), netsplit(n), modePowerLevels(n),
        seconds(n, "idle_timeout_seconds", NetworkConfig.DEFAULT_IDLE_TIMEOUT, 0, 365 * 86_400,
            "a number of seconds from 0 (never disconnect idle puppets) to 31536000"),
        choice(n, "reactions", NetworkConfig.Reactions.class, NetworkConfig.Reactions.ACTION),
        choice(n, "redactions", NetworkConfig.Redactions.class, NetworkConfig.Redactions.NOTICE),
        security(n, tls), limits(n), linkConfirmation(n, consent));
  }

  private static ConnectionLimits limits(ConfigSection n) {
    return new ConnectionLimits(
        n.integer("max_connections", ConnectionLimits.DEFAULT_MAX_CONNECTIONS, 0, Integer.MAX_VALUE),
        decimal(n, "connect_rate", 0, 0, 10_000,
            "new connections a second, from 0 (no limit) to 10000 (0.2 is one every 5 s)"));
  }

  /** {@code link_confirmation} and its timeout: the section's are every network's default. */
  private static OperatorConsent.Settings linkConfirmation(ConfigSection s, OperatorConsent.Settings fallback) {
    return new OperatorConsent.Settings(s.choice("link_confirmation", OperatorConsent.Mode.class, fallback.mode()),
        seconds(s, "link_confirmation_timeout_seconds", fallback.timeout(), 1, 3600,
            "a number of seconds from 1 to 3600"));
  }

  private static ConnectionSecurity security(ConfigSection n, boolean tls) {
    Optional<String> pin = Optional.empty();
    if (n.has("tls_fingerprint_sha256")) {
      JsonNode p = n.node().path("tls_fingerprint_sha256");
      pin = p.isTextual() ? ConnectionSecurity.fingerprint(p.asText()) : Optional.empty();
      if (pin.isEmpty()) {
        throw n.problem("tls_fingerprint_sha256", "must be the server certificate's SHA-256 fingerprint as 64 hex "
            + "digits (colons allowed), e.g. from: openssl x509 -noout -fingerprint -sha256, got " + p);
      }
    }
    Optional<Path> cert = file(n, "client_cert");
    Optional<Path> clientKey = file(n, "client_key");
    if (cert.isPresent() != clientKey.isPresent()) {
      throw new ConfigException(n.path() + ": client_cert and client_key go together (PEM certificate and its PKCS#8 "
          + "key)");
    }
    if ((pin.isPresent() || cert.isPresent()) && !tls) {
      throw new ConfigException(n.path() + ": tls_fingerprint_sha256 and client_cert need tls: true");
    }
    return new ConnectionSecurity(pin, cert, clientKey, sasl(n, cert.isPresent()));
  }

  private static Optional<ConnectionSecurity.Sasl> sasl(ConfigSection n, boolean clientCert) {
    if (!n.has("sasl")) {
      return Optional.empty();
    }
    ConfigSection s = map(n, "sasl", "{ mechanism: plain, account: bot, password: ... } or { mechanism: external }");
    String mech = s.text("mechanism", "plain").toUpperCase(Locale.ROOT);
    if (mech.equals("PLAIN")) {
      Optional<String> account = secret(s, "account");
      Optional<String> password = secret(s, "password");
      if (account.isEmpty() || password.isEmpty()) {
        throw new ConfigException(s.path() + ": mechanism plain needs account and password");
      }
      return Optional.of(new ConnectionSecurity.Sasl(ConnectionSecurity.Mechanism.PLAIN, account, password));
    }
    if (mech.equals("EXTERNAL")) {
      if (!clientCert) {
        throw new ConfigException(s.path() + ": mechanism external logs in with the client certificate; set "
            + "client_cert and client_key");
      }
      return Optional.of(new ConnectionSecurity.Sasl(ConnectionSecurity.Mechanism.EXTERNAL, Optional.empty(),
          Optional.empty()));
    }
    throw s.problem("mechanism", "must be plain or external, got " + s.node().path("mechanism"));
  }

  private static Optional<Path> file(ConfigSection n, String field) {
    if (!n.has(field)) {
      return Optional.empty();
    }
    JsonNode v = n.node().path(field);
    Path path = v.isTextual() ? Path.of(v.asText()) : null;
    if (path == null || !Files.isReadable(path)) {
      throw n.problem(field, "must be the path of a readable PEM file, got " + v);
    }
    return Optional.of(path);
  }

  private static Map<Character, Integer> modePowerLevels(ConfigSection n) {
    if (!n.has("mode_power_levels")) {
      return NetworkConfig.DEFAULT_MODE_POWER_LEVELS;
    }
    ConfigSection levels = map(n, "mode_power_levels", "{ o: 50, v: 1 } (channel user modes to power levels)");
    Map<Character, Integer> out = new LinkedHashMap<>();
    for (var e : levels.node().properties()) {
      if (e.getKey().length() != 1 || !Character.isLetter(e.getKey().charAt(0))) {
        throw new ConfigException(levels.path() + ": keys must be single mode letters such as o or v, got '"
            + e.getKey() + "'");
      }
      // Below the bot's 100, or ghosts could outrank the bot that has to manage them.
      JsonNode level = e.getValue();
      if (!level.isIntegralNumber() || level.asInt() < 0 || level.asInt() > 99) {
        throw levels.problem(e.getKey(), "must be a power level from 0 to 99, got " + level);
      }
      out.put(e.getKey().charAt(0), level.asInt());
    }
    return out;
  }

  /** An IRC behaviour that can be switched off: YAML 1.1 reads a bare {@code off} as false, {@code on} as true. */
  private static <E extends Enum<E>> E choice(ConfigSection n, String field, Class<E> type, E fallback) {
    JsonNode v = n.node().path(field);
    if (v.isBoolean()) {
      return v.asBoolean() ? fallback : Enum.valueOf(type, "OFF");
    }
    try {
      return n.choice(field, type, fallback);
    } catch (ConfigException e) {
      throw n.problem(field, "must be one of " + Arrays.stream(type.getEnumConstants())
          .map(c -> c.name().toLowerCase(Locale.ROOT)).toList() + ", got " + v);
    }
  }

  private static NetsplitConfig netsplit(ConfigSection n) {
    if (!n.has("netsplit")) {
      return NetsplitConfig.DEFAULT;
    }
    ConfigSection split = map(n, "netsplit", "{ delay_seconds: 300, quits_per_second: 5 }");
    return new NetsplitConfig(seconds(split, "delay_seconds", NetsplitConfig.DEFAULT.delay(), 0, 86_400,
        "a number of seconds from 0 (no debouncing) to 86400"),
        split.integer("quits_per_second", NetsplitConfig.DEFAULT.quitsPerSecond(), 1, Integer.MAX_VALUE));
  }

  private static FloodControl flood(ConfigSection n) {
    if (!n.has("flood")) {
      return FloodControl.DEFAULT;
    }
    ConfigSection flood = map(n, "flood", "{ burst: 5, per_second: 2 }");
    double rate = decimal(flood, "per_second", FloodControl.DEFAULT.perSecond(), 0, 1000,
        "a number of lines per second above 0 and at most 1000, e.g. 0.5 or 2");
    if (!(rate > 0)) {
      throw flood.problem("per_second", "must be a number of lines per second above 0 and at most 1000, e.g. 0.5 or "
          + "2, got " + flood.node().path("per_second"));
    }
    return new FloodControl(flood.integer("burst", FloodControl.DEFAULT.burst(), 1, 1000), rate);
  }

  private static Optional<Set<String>> channelsAllowed(ConfigSection n) {
    if (!n.has("channels_allowed")) {
      return Optional.empty();
    }
    if (!n.node().path("channels_allowed").isArray()) {
      throw n.problem("channels_allowed", "must be a list of channel names, e.g. [\"#java\"], got "
          + n.node().path("channels_allowed"));
    }
    Set<String> out = new LinkedHashSet<>();
    List<String> names = n.strings("channels_allowed");
    for (int i = 0; i < names.size(); i++) {
      Optional<ChannelName> channel = ChannelName.parse(names.get(i));
      if (channel.isEmpty()) {
        throw n.problem("channels_allowed[" + i + "]", "must be a channel name such as #java (quote it in YAML: '#' "
            + "starts a comment), got \"" + names.get(i) + "\"");
      }
      out.add(channel.get().key());
    }
    return Optional.of(out);
  }

  /** A nested mapping; anything else is an error that shows {@code example}. */
  private static ConfigSection map(ConfigSection s, String field, String example) {
    JsonNode v = s.node().path(field);
    if (s.has(field) && !v.isObject()) {
      throw s.problem(field, "must be a map such as " + example + ", got " + v);
    }
    return s.section(field);
  }

  /** A secret or account name sent on the wire: one word, never shown in errors. */
  private static Optional<String> secret(ConfigSection s, String field) {
    JsonNode v = s.node().path(field);
    if (!s.has(field)) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw s.problem(field, "must be a string");
    }
    if (v.asText().chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0 || c == ' ')) {
      throw s.problem(field, "must not contain spaces, CR, LF or NUL");
    }
    return Optional.of(v.asText());
  }

  private static int port(ConfigSection n, int fallback) {
    JsonNode v = n.node().path("port");
    if (!n.has("port")) {
      return fallback;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1 || v.asInt() > 65535) {
      throw n.problem("port", "must be a TCP port between 1 and 65535 (default 6697 with tls, 6667 without), got "
          + v);
    }
    return v.asInt();
  }

  /** A number of seconds that may have a fraction ({@code 0.5}), from {@code min} to {@code max}. */
  private static Duration seconds(ConfigSection s, String field, Duration fallback, double min, double max,
      String expected) {
    return s.has(field) ? Duration.ofMillis((long) (decimal(s, field, 0, min, max, expected) * 1000)) : fallback;
  }

  /** A number that may have a fraction, from {@code min} to {@code max}; {@code expected} says what it is. */
  private static double decimal(ConfigSection s, String field, double fallback, double min, double max,
      String expected) {
    JsonNode v = s.node().path(field);
    if (!s.has(field)) {
      return fallback;
    }
    if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
      throw s.problem(field, "must be " + expected + ", got " + v);
    }
    return v.asDouble();
  }
}
