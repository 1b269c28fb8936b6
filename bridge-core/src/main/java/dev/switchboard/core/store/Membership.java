package dev.switchboard.core.store;

import java.util.Locale;

/** A user's {@code m.room.member} membership in a room, as the spec spells it on the wire. */
public enum Membership {
  INVITE,
  JOIN,
  KNOCK,
  LEAVE,
  BAN;

  /** The spec's name, e.g. {@code join}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses the spec's name.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Membership fromWire(String value) {
    for (Membership m : values()) {
      if (m.wireName().equals(value)) {
        return m;
      }
    }
    throw new IllegalArgumentException("not a membership: '" + value + "' (expected invite, join, knock, leave, ban)");
  }
}
