package dev.switchboard.irc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.membership.NetsplitConfig;
import dev.switchboard.irc.network.ConnectionSecurity;
import dev.switchboard.irc.network.NetworkConfig;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.puppet.PuppetNick;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code irc:} config section, validated at start: every problem names its key and what is expected.
 *
 * <pre>
 * irc:
 *   user_prefix: _irc_      # ghosts @_irc_&lt;network&gt;_&lt;nick&gt;
 *   alias_prefix: _irc_     # portals #_irc_&lt;network&gt;_&lt;#channel&gt;
 *   media_base_url: https://matrix.example.org   # links to long messages; default https://&lt;domain&gt;
 *   presence: true          # IRC away state → ghost presence
 *   networks:
 *     libera: { host: irc.libera.chat, port: 6697, tls: true, nick: switchboard, channels_allowed: ["#java"],
 *               flood: { burst: 5, per_second: 2 }, line_limit: 3 }
 * </pre>
 */
public record IrcConfig(String userPrefix, String aliasPrefix, Optional<String> mediaBaseUrl,
    Map<String, NetworkConfig> networks, boolean presence) {
  /**
   * Network ids appear in ghost localparts and aliases between the prefix and the nick or channel, so they use only
   * characters that need no escaping and never {@code _}, which separates them from the nick.
   */
  private static final Pattern NETWORK_ID = Pattern.compile("[a-z0-9][a-z0-9.-]{0,31}");

  private static final Pattern PREFIX = Pattern.compile("[a-z0-9._=/-]+");

  public IrcConfig {
    networks = Map.copyOf(networks);
  }

  public Optional<NetworkConfig> network(String id) {
    return Optional.ofNullable(networks.get(id));
  }

  /** Parses and validates the {@code irc:} section. */
  public static IrcConfig parse(JsonNode irc) {
    String userPrefix = prefix(irc, "user_prefix");
    String aliasPrefix = prefix(irc, "alias_prefix");
    JsonNode nets = irc.path("networks");
    if (!nets.isObject() || nets.isEmpty()) {
      throw new ConfigException("irc.networks must map at least one network id to its settings, e.g. "
          + "networks: { libera: { host: irc.libera.chat, nick: switchboard } }");
    }
    Map<String, NetworkConfig> networks = new LinkedHashMap<>();
    for (var entry : nets.properties()) {
      networks.put(entry.getKey(), network(entry.getKey(), entry.getValue()));
    }
    return new IrcConfig(userPrefix, aliasPrefix, mediaBaseUrl(irc), networks, bool(irc, "irc", "presence", true));
  }

  private static Optional<String> mediaBaseUrl(JsonNode irc) {
    JsonNode v = irc.path("media_base_url");
    if (v.isMissingNode() || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual() || !v.asText().matches("https?://[^\\s/?#]+(/[^\\s?#]*)?")) {
      throw new ConfigException("irc.media_base_url must be the homeserver's public base URL, e.g. "
          + "https://matrix.example.org (IRC users download long messages from it), got " + v);
    }
    return Optional.of(v.asText());
  }

  private static String prefix(JsonNode irc, String field) {
    JsonNode v = irc.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return "_irc_";
    }
    if (!v.isTextual() || !PREFIX.matcher(v.asText()).matches()) {
      throw new ConfigException("irc." + field + " must be a non-empty string of a-z, 0-9, '.', '_', '=', '-', '/'"
          + " (a Matrix localpart start), got " + v);
    }
    return v.asText();
  }

  private static NetworkConfig network(String id, JsonNode n) {
    String key = "irc.networks." + id;
    if (!NETWORK_ID.matcher(id).matches()) {
      throw new ConfigException(key + ": the network id must be 1-32 characters of a-z, 0-9, '.', '-' starting with "
          + "a letter or digit (no '_': it separates the network from the nick in ghost ids), got '" + id + "'");
    }
    if (!n.isObject()) {
      throw new ConfigException(key + " must be a map with at least host and nick, got " + n);
    }
    String host = requiredText(n, key, "host", "the IRC server's host name, e.g. irc.libera.chat");
    boolean tls = bool(n, key, "tls", true);
    int port = port(n, key, tls ? 6697 : 6667);
    Optional<String> password = optionalText(n, key, "password");
    String nick = requiredText(n, key, "nick", "the bridge bot's IRC nick, e.g. switchboard");
    if (!PuppetNick.isValid(nick)) {
      throw new ConfigException(key + ".nick must be a valid IRC nick (a letter or one of []\\`_^{|} first, then "
          + "letters, digits, []\\`_^{|}-), got '" + nick + "'");
    }
    return new NetworkConfig(id, host, port, tls, password, nick, channelsAllowed(n, key), flood(n, key),
        lineLimit(n, key), netsplit(n, key), modePowerLevels(n, key), idleTimeout(n, key),
        choice(n, key, "reactions", NetworkConfig.Reactions.class, NetworkConfig.Reactions.ACTION),
        choice(n, key, "redactions", NetworkConfig.Redactions.class, NetworkConfig.Redactions.NOTICE),
        security(n, key, tls));
  }

  private static ConnectionSecurity security(JsonNode n, String key, boolean tls) {
    Optional<String> pin = Optional.empty();
    JsonNode p = n.path("tls_fingerprint_sha256");
    if (!p.isMissingNode() && !p.isNull()) {
      pin = p.isTextual() ? ConnectionSecurity.fingerprint(p.asText()) : Optional.empty();
      if (pin.isEmpty()) {
        throw new ConfigException(key + ".tls_fingerprint_sha256 must be the server certificate's SHA-256 fingerprint"
            + " as 64 hex digits (colons allowed), e.g. from: openssl x509 -noout -fingerprint -sha256, got " + p);
      }
    }
    Optional<java.nio.file.Path> cert = file(n, key, "client_cert");
    Optional<java.nio.file.Path> clientKey = file(n, key, "client_key");
    if (cert.isPresent() != clientKey.isPresent()) {
      throw new ConfigException(key + ": client_cert and client_key go together (PEM certificate and its PKCS#8 key)");
    }
    if ((pin.isPresent() || cert.isPresent()) && !tls) {
      throw new ConfigException(key + ": tls_fingerprint_sha256 and client_cert need tls: true");
    }
    Optional<ConnectionSecurity.Sasl> sasl = Optional.empty();
    JsonNode s = n.path("sasl");
    if (!s.isMissingNode() && !s.isNull()) {
      if (!s.isObject()) {
        throw new ConfigException(key + ".sasl must be a map such as { mechanism: plain, account: bot, password: ... }"
            + " or { mechanism: external }");
      }
      String mech = s.path("mechanism").asText("plain").toUpperCase(java.util.Locale.ROOT);
      if (mech.equals("PLAIN")) {
        Optional<String> account = optionalText(s, key + ".sasl", "account");
        Optional<String> password = optionalText(s, key + ".sasl", "password");
        if (account.isEmpty() || password.isEmpty()) {
          throw new ConfigException(key + ".sasl: mechanism plain needs account and password");
        }
        sasl = Optional.of(new ConnectionSecurity.Sasl(ConnectionSecurity.Mechanism.PLAIN, account, password));
      } else if (mech.equals("EXTERNAL")) {
        if (cert.isEmpty()) {
          throw new ConfigException(key + ".sasl: mechanism external logs in with the client certificate; set "
              + "client_cert and client_key");
        }
        sasl = Optional.of(new ConnectionSecurity.Sasl(ConnectionSecurity.Mechanism.EXTERNAL, Optional.empty(),
            Optional.empty()));
      } else {
        throw new ConfigException(key + ".sasl.mechanism must be plain or external, got " + s.path("mechanism"));
      }
    }
    return new ConnectionSecurity(pin, cert, clientKey, sasl);
  }

  private static Optional<java.nio.file.Path> file(JsonNode n, String key, String field) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return Optional.empty();
    }
    java.nio.file.Path path = v.isTextual() ? java.nio.file.Path.of(v.asText()) : null;
    if (path == null || !java.nio.file.Files.isReadable(path)) {
      throw new ConfigException(key + "." + field + " must be the path of a readable PEM file, got " + v);
    }
    return Optional.of(path);
  }

  private static Map<Character, Integer> modePowerLevels(JsonNode n, String key) {
    JsonNode v = n.path("mode_power_levels");
    if (v.isMissingNode() || v.isNull()) {
      return NetworkConfig.DEFAULT_MODE_POWER_LEVELS;
    }
    if (!v.isObject()) {
      throw new ConfigException(key + ".mode_power_levels must map channel user modes to power levels, e.g. "
          + "{ o: 50, v: 1 }, got " + v);
    }
    Map<Character, Integer> out = new LinkedHashMap<>();
    for (var e : v.properties()) {
      JsonNode level = e.getValue();
      if (e.getKey().length() != 1 || !Character.isLetter(e.getKey().charAt(0))) {
        throw new ConfigException(key + ".mode_power_levels: keys must be single mode letters such as o or v, got '"
            + e.getKey() + "'");
      }
      // Below the bot's 100, or ghosts could outrank the bot that has to manage them.
      if (!level.isIntegralNumber() || level.asInt() < 0 || level.asInt() > 99) {
        throw new ConfigException(key + ".mode_power_levels." + e.getKey() + " must be a power level from 0 to 99, "
            + "got " + level);
      }
      out.put(e.getKey().charAt(0), level.asInt());
    }
    return out;
  }

  private static java.time.Duration idleTimeout(JsonNode n, String key) {
    JsonNode v = n.path("idle_timeout_seconds");
    if (v.isMissingNode() || v.isNull()) {
      return NetworkConfig.DEFAULT_IDLE_TIMEOUT;
    }
    if (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 365 * 86_400) {
      throw new ConfigException(key + ".idle_timeout_seconds must be a number of seconds from 0 (never disconnect "
          + "idle puppets) to 31536000, got " + v);
    }
    return java.time.Duration.ofMillis((long) (v.asDouble() * 1000));
  }

  private static <E extends Enum<E>> E choice(JsonNode n, String key, String field, Class<E> type, E fallback) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    if (v.isBoolean()) {
      // YAML 1.1 reads a bare off/no as false, on/yes as true.
      return v.asBoolean() ? fallback : Enum.valueOf(type, "OFF");
    }
    for (E e : type.getEnumConstants()) {
      if (v.isTextual() && e.name().equalsIgnoreCase(v.asText())) {
        return e;
      }
    }
    throw new ConfigException(key + "." + field + " must be one of " + java.util.Arrays.stream(type.getEnumConstants())
        .map(e -> e.name().toLowerCase(java.util.Locale.ROOT)).toList() + ", got " + v);
  }

  private static NetsplitConfig netsplit(JsonNode n, String key) {
    JsonNode v = n.path("netsplit");
    if (v.isMissingNode() || v.isNull()) {
      return NetsplitConfig.DEFAULT;
    }
    if (!v.isObject()) {
      throw new ConfigException(key + ".netsplit must be a map such as { delay_seconds: 300, quits_per_second: 5 }, "
          + "got " + v);
    }
    JsonNode delay = v.path("delay_seconds");
    JsonNode rate = v.path("quits_per_second");
    java.time.Duration d = NetsplitConfig.DEFAULT.delay();
    int r = NetsplitConfig.DEFAULT.quitsPerSecond();
    if (!delay.isMissingNode()) {
      if (!delay.isNumber() || delay.asDouble() < 0 || delay.asDouble() > 86_400) {
        throw new ConfigException(key + ".netsplit.delay_seconds must be a number of seconds from 0 (no debouncing) "
            + "to 86400, got " + delay);
      }
      d = java.time.Duration.ofMillis((long) (delay.asDouble() * 1000));
    }
    if (!rate.isMissingNode()) {
      if (!rate.isIntegralNumber() || rate.asInt() < 1) {
        throw new ConfigException(key + ".netsplit.quits_per_second must be a whole number above 0, got " + rate);
      }
      r = rate.asInt();
    }
    return new NetsplitConfig(d, r);
  }

  /** Default for {@code line_limit}: longer messages become a link, as in matrix-appservice-irc. */
  public static final int DEFAULT_LINE_LIMIT = 3;

  private static int lineLimit(JsonNode n, String key) {
    JsonNode v = n.path("line_limit");
    if (v.isMissingNode() || v.isNull()) {
      return DEFAULT_LINE_LIMIT;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1 || v.asInt() > 1000) {
      throw new ConfigException(key + ".line_limit must be a whole number of IRC lines from 1 to 1000 (messages "
          + "that need more are sent as a link to a text file), got " + v);
    }
    return v.asInt();
  }

  private static FloodControl flood(JsonNode n, String key) {
    JsonNode v = n.path("flood");
    if (v.isMissingNode() || v.isNull()) {
      return FloodControl.DEFAULT;
    }
    if (!v.isObject()) {
      throw new ConfigException(key + ".flood must be a map such as { burst: 5, per_second: 2 }, got " + v);
    }
    JsonNode burst = v.path("burst");
    JsonNode rate = v.path("per_second");
    int b = FloodControl.DEFAULT.burst();
    double r = FloodControl.DEFAULT.perSecond();
    if (!burst.isMissingNode()) {
      if (!burst.isIntegralNumber() || !burst.canConvertToInt() || burst.asInt() < 1 || burst.asInt() > 1000) {
        throw new ConfigException(key + ".flood.burst must be a whole number of lines from 1 to 1000, got " + burst);
      }
      b = burst.asInt();
    }
    if (!rate.isMissingNode()) {
      if (!rate.isNumber() || !(rate.asDouble() > 0) || rate.asDouble() > 1000) {
        throw new ConfigException(key + ".flood.per_second must be a number of lines per second above 0 and at "
            + "most 1000, e.g. 0.5 or 2, got " + rate);
      }
      r = rate.asDouble();
    }
    return new FloodControl(b, r);
  }

  private static Optional<Set<String>> channelsAllowed(JsonNode n, String key) {
    JsonNode v = n.path("channels_allowed");
    if (v.isMissingNode() || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isArray()) {
      throw new ConfigException(key + ".channels_allowed must be a list of channel names, e.g. [\"#java\"], got " + v);
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode c = v.get(i);
      Optional<ChannelName> channel = c.isTextual() ? ChannelName.parse(c.asText()) : Optional.empty();
      if (channel.isEmpty()) {
        throw new ConfigException(key + ".channels_allowed[" + i + "] must be a channel name such as #java "
            + "(quote it in YAML: '#' starts a comment), got " + c);
      }
      out.add(channel.get().key());
    }
    return Optional.of(out);
  }

  private static String requiredText(JsonNode n, String key, String field, String expected) {
    JsonNode v = n.path(field);
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new ConfigException(key + "." + field + " is required: " + expected
          + (v.isMissingNode() ? "" : ", got " + v));
    }
    return v.asText().trim();
  }

  private static Optional<String> optionalText(JsonNode n, String key, String field) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw new ConfigException(key + "." + field + " must be a string");
    }
    if (v.asText().chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0 || c == ' ')) {
      throw new ConfigException(key + "." + field + " must not contain spaces, CR, LF or NUL");
    }
    return Optional.of(v.asText());
  }

  private static boolean bool(JsonNode n, String key, String field, boolean fallback) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw new ConfigException(key + "." + field + " must be true or false, got " + v);
    }
    return v.asBoolean();
  }

  private static int port(JsonNode n, String key, int fallback) {
    JsonNode v = n.path("port");
    if (v.isMissingNode() || v.isNull()) {
      return fallback;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1 || v.asInt() > 65535) {
      throw new ConfigException(key + ".port must be a TCP port between 1 and 65535 (default 6697 with tls, 6667 "
          + "without), got " + v);
    }
    return v.asInt();
  }
}
