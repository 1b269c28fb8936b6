package dev.switchboard.sip.dialplan;

/** What the bridge says to one call, text or DM a Matrix user starts toward a phone: go ahead, or no and why. */
public sealed interface Decision {
  Allowed ALLOWED = new Allowed();

  /** Whether the call or text may go ahead. */
  default boolean allowed() {
    return this instanceof Allowed;
  }

  /** Go ahead. */
  record Allowed() implements Decision {}

  /**
   * Refused: {@code why} for code and logs, {@code notice} for the user (the text of the notice the ghost or bot
   * posts in the room; never holds secrets or config values beyond what the user typed).
   */
  record Refused(Why why, String notice) implements Decision {}

  /** The kinds of refusal, for logs and tests. */
  enum Why {
    /** The user's permission level is below {@code user} (relay users cannot speak on a phone line). */
    LEVEL,
    /** A user of another homeserver, and {@code sip.dial_plan.federated} is off. */
    FEDERATED,
    /** An emergency number: the bridge never places those. */
    EMERGENCY,
    /** Matched a {@code deny} entry of the user's level. */
    DENIED,
    /** A premium-rate range of a home country. */
    PREMIUM,
    /** Outside the home country codes (or a range in them billed as international). */
    INTERNATIONAL,
    /** A SIP address whose host is loopback, private, link-local or a bare name. */
    INTERNAL_ADDRESS,
    /** A SIP address whose host does not resolve. */
    UNRESOLVED,
    /** The user's own rate limit. */
    RATE_USER,
    /** The bridge-wide rate limit. */
    RATE_GLOBAL
  }
}
