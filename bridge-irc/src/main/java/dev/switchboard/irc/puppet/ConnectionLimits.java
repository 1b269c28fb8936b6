package dev.switchboard.irc.puppet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import java.util.HashMap;
import java.util.Map;

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

  /** Each network's limits, by network id. */
  public static Map<String, ConnectionLimits> parse(JsonNode irc) {
    Map<String, ConnectionLimits> out = new HashMap<>();
    irc.path("networks").properties().forEach(e -> out.put(e.getKey(), read(e.getValue(),
        "irc.networks." + e.getKey())));
    return out;
  }

  private static ConnectionLimits read(JsonNode n, String key) {
    int max = DEFAULT_MAX_CONNECTIONS;
    JsonNode m = n.path("max_connections");
    if (!m.isMissingNode() && !m.isNull()) {
      if (!m.isInt() || m.asInt() < 0) {
        throw new ConfigException(key + ".max_connections must be a whole number of puppet connections (0 = no "
            + "limit), got " + m);
      }
      max = m.asInt();
    }
    double rate = 0;
    JsonNode r = n.path("connect_rate");
    if (!r.isMissingNode() && !r.isNull()) {
      if (!r.isNumber() || r.asDouble() < 0 || r.asDouble() > 10_000) {
        throw new ConfigException(key + ".connect_rate must be new connections a second, from 0 (no limit) to "
            + "10000 (0.2 is one every 5 s), got " + r);
      }
      rate = r.asDouble();
    }
    return new ConnectionLimits(max, rate);
  }
}
