package dev.switchboard.irc.puppet;

/**
 * A network's {@code max_connections} (puppets at once; 0 = no limit) and {@code connect_rate} (new puppet
 * connections a second, reconnects included; 0 = no limit).
 */
public record ConnectionLimits(int maxConnections, double connectRate) {
  public static final ConnectionLimits NONE = new ConnectionLimits(0, 0);
  /**
   * Without a {@code max_connections} key: enough for a busy community, and far below what gets a bridge K-lined
   * when someone makes accounts in bulk (issue 16). An admin who wants no limit writes 0.
   */
  public static final int DEFAULT_MAX_CONNECTIONS = 200;
  /** What a network without either key gets. */
  public static final ConnectionLimits DEFAULT = new ConnectionLimits(DEFAULT_MAX_CONNECTIONS, 0);
}
