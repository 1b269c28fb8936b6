package dev.switchboard.irc.network;

/**
 * IRC refused one user's message: their connection may not join the channel (471 full, 473 invite-only, 474 banned,
 * 475 key, 477 registered nicks only, ...), did not get an answer to its JOIN, or the server refused the line itself
 * (404). It concerns that user only (DESIGN.md, "Data flow and guarantees" 4): their event ends with a notice to
 * them, and the room's other events go on. Not a {@link dev.switchboard.core.connector.RemoteUnavailableException}:
 * sending the same line again would be refused again.
 *
 * @see #episode() for telling the user once per refusal, not once per line
 */
public final class DeliveryRefused extends RuntimeException {
  /** Where the refusal came from. */
  public enum Stage {
    /** The channel would not let the connection in. */
    JOIN,
    /** The server refused the line (404 cannot send to channel). */
    LINE,
    /** The user's own connection keeps failing while the network is up. */
    CONNECT
  }

  private final Stage stage;
  private final String target;
  private final int numeric;
  private final String reason;
  private final long episode;

  /**
   * @param target the channel (or nick) as the server named it
   * @param numeric the server's numeric reply, 0 when there was none (no answer)
   * @param reason what a user can read, e.g. {@code the channel is invite-only (+i)}
   * @param episode the same number for every refusal until the connection gets in again
   */
  public DeliveryRefused(Stage stage, String target, int numeric, String reason, long episode) {
    super(switch (stage) {
      case JOIN -> "cannot join ";
      case LINE -> "cannot send to ";
      case CONNECT -> "cannot connect to ";
    } + target + ": " + reason
        + (numeric > 0 ? " (" + numeric + ")" : ""), null, false, false);
    this.stage = stage;
    this.target = target;
    this.numeric = numeric;
    this.reason = reason;
    this.episode = episode;
  }

  public Stage stage() {
    return stage;
  }

  public String target() {
    return target;
  }

  public int numeric() {
    return numeric;
  }

  public String reason() {
    return reason;
  }

  public long episode() {
    return episode;
  }

  /** Why, for the user: {@code cannot join: the channel is invite-only (+i)}. */
  public String describe() {
    return switch (stage) {
      case JOIN -> "cannot join: " + reason;
      case LINE -> "the server refused it: " + reason;
      case CONNECT -> reason;
    };
  }
}
