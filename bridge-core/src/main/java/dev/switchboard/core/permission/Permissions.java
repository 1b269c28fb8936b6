package dev.switchboard.core.permission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.id.UserId;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who may do what, from the config's {@code permissions} map of user ids, server names and {@code *} to levels. The
 * most specific entry wins: a user id over its server name over {@code *}. Unless the config says otherwise the
 * homeserver's own domain is {@code user}, and nobody is {@code admin}.
 */
public final class Permissions {
  private static final Pattern SERVER_NAME =
      Pattern.compile("[A-Za-z0-9.-]+(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");

  private final Map<UserId, Level> users;
  /** Keys lower case: server names compare case-insensitively, like the DNS names they mostly are. */
  private final Map<String, Level> servers;
  private final Level everyone;
  private final RelayFormat relay;

  private Permissions(Map<UserId, Level> users, Map<String, Level> servers, Level everyone, RelayFormat relay) {
    this.users = Map.copyOf(users);
    this.servers = Map.copyOf(servers);
    this.everyone = everyone;
    this.relay = relay;
  }

  private Permissions(Map<UserId, Level> users, Map<String, Level> servers, Level everyone) {
    this(users, servers, everyone, RelayFormat.defaults());
  }

  /** The defaults: {@code ownDomain} is {@code user}, everyone else {@code none}. */
  public static Permissions defaults(String ownDomain) {
    return new Permissions(Map.of(), Map.of(ownDomain.toLowerCase(Locale.ROOT), Level.USER), Level.NONE);
  }

  /** These permissions with {@code relay} as the way the bot speaks for {@link Level#RELAY} users. */
  public Permissions withRelay(RelayFormat relay) {
    return new Permissions(users, servers, everyone, relay);
  }

  /** How the bot speaks for {@link Level#RELAY} users. */
  public RelayFormat relay() {
    return relay;
  }

  /** What a connector does with a message from {@code user}: nothing, relay it through the bot, or puppet it. */
  public Bridging bridgingOf(UserId user) {
    return switch (levelOf(user)) {
      case NONE -> Bridging.REFUSE;
      case RELAY -> Bridging.RELAY;
      case USER, ADMIN -> Bridging.PUPPET;
    };
  }

  /** How a Matrix user's messages reach a remote network, derived from their {@link Level}. */
  public enum Bridging {
    /** Not bridged at all; core already keeps their events from connectors. */
    REFUSE,
    /** The bot (IRC listener, XMPP bridge occupant) sends them in {@link #relay()}'s format. */
    RELAY,
    /** Their own puppet / login sends them. */
    PUPPET
  }

  /**
   * Reads the {@code permissions} section (missing or null means the defaults), on top of the defaults.
   *
   * @throws ConfigException naming the key at fault
   */
  public static Permissions fromConfig(JsonNode section, String ownDomain) {
    Map<UserId, Level> users = new LinkedHashMap<>();
    Map<String, Level> servers = new LinkedHashMap<>();
    servers.put(ownDomain.toLowerCase(Locale.ROOT), Level.USER);
    Level everyone = Level.NONE;
    if (section == null || section.isMissingNode() || section.isNull()) {
      return new Permissions(users, servers, everyone);
    }
    if (!section.isObject()) {
      throw new ConfigException("permissions must be a mapping of user ids, server names or '*' to a level "
          + "(relay, user, admin), e.g. \"@alice:example.org\": admin");
    }
    for (Map.Entry<String, JsonNode> e : section.properties()) {
      String key = e.getKey().trim();
      String where = "permissions.\"" + e.getKey() + "\"";
      JsonNode value = e.getValue();
      if (!value.isTextual()) {
        throw new ConfigException(where + " must be one of none, relay, user, admin; got '" + value + "'");
      }
      Level level = Level.fromConfig(value.textValue()).orElseThrow(() -> new ConfigException(
          where + " must be one of none, relay, user, admin; got '" + value.textValue() + "'"));
      if (key.equals("*")) {
        everyone = level;
      } else if (key.startsWith("@")) {
        UserId user;
        try {
          user = UserId.of(key);
        } catch (IllegalArgumentException bad) {
          throw new ConfigException(where + " is not a valid user id (expected @localpart:server): "
              + bad.getMessage());
        }
        users.put(user, level);
      } else if (SERVER_NAME.matcher(key).matches()) {
        servers.put(key.toLowerCase(Locale.ROOT), level);
      } else {
        throw new ConfigException(where + " is neither a user id (@alice:example.org), a server name "
            + "(example.org) nor '*'");
      }
    }
    return new Permissions(users, servers, everyone);
  }

  /** The level of {@code user}: its own entry, else its server's, else {@code *}'s. */
  public Level levelOf(UserId user) {
    Level own = users.get(user);
    if (own != null) {
      return own;
    }
    return Optional.ofNullable(servers.get(user.server().toLowerCase(Locale.ROOT))).orElse(everyone);
  }

  public boolean allows(UserId user, Level required) {
    return levelOf(user).atLeast(required);
  }

  /** Returns normally when {@code user} has at least {@code required}, else throws. */
  public void require(UserId user, Level required) {
    Level actual = levelOf(user);
    if (!actual.atLeast(required)) {
      throw new PermissionDeniedException(user, required, actual);
    }
  }

  /** True when somebody is configured as admin (so {@code !status} can say how to become one). */
  public boolean anyAdmin() {
    return everyone == Level.ADMIN || users.containsValue(Level.ADMIN) || servers.containsValue(Level.ADMIN);
  }
}
