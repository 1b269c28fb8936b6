package dev.switchboard.core.permission;

import java.util.Locale;
import java.util.Optional;

/**
 * What a Matrix user may do with the bridge, lowest first (the levels admins know from the mautrix bridges).
 * {@link #NONE} is what a user matched by no permission entry has.
 */
public enum Level {
  /** Not allowed to use the bridge at all. */
  NONE,
  /** Messages are relayed by the bot; no login of their own. */
  RELAY,
  /** May log in to remote networks and get a puppet. */
  USER,
  /** May plumb and unlink rooms and run bridge-wide commands. */
  ADMIN;

  /** The name used in the config, e.g. {@code user}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean atLeast(Level other) {
    return compareTo(other) >= 0;
  }

  /** Parses a config value ({@code relay}, {@code user}, {@code admin}, {@code none}); case-insensitive. */
  public static Optional<Level> fromConfig(String value) {
    for (Level l : values()) {
      if (l.configName().equals(value.trim().toLowerCase(Locale.ROOT))) {
        return Optional.of(l);
      }
    }
    return Optional.empty();
  }
}
