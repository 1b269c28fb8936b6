package dev.switchboard.irc.flood;

/**
 * A connection's flood control as a token bucket: up to {@code burst} lines at once, then {@code perSecond} lines a
 * second. Servers disconnect clients that send faster than they allow ("Excess Flood"), so the defaults stay below
 * what public networks tolerate (Libera and OFTC allow a short burst, then about one line a second per client
 * before they start delaying or dropping).
 */
public record FloodControl(int burst, double perSecond) {
  /** A burst of 5, then 2 lines a second. */
  public static final FloodControl DEFAULT = new FloodControl(5, 2.0);

  public FloodControl {
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be at least 1, got " + burst);
    }
    if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
      throw new IllegalArgumentException("perSecond must be a positive number, got " + perSecond);
    }
  }
}
