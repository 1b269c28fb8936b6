package dev.switchboard.irc.ident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigException;
import java.net.InetSocketAddress;

/**
 * {@code irc.ident}: whether the bridge serves identd (RFC 1413) for its IRC connections, and where.
 *
 * <pre>
 * irc:
 *   ident: { enabled: true, bind: 0.0.0.0, port: 113 }
 * </pre>
 */
public record IdentConfig(boolean enabled, String bind, int port) {
  public static final IdentConfig OFF = new IdentConfig(false, "0.0.0.0", 113);

  public InetSocketAddress address() {
    return new InetSocketAddress(bind, port);
  }

  /** Reads {@code irc.ident}; off when absent. */
  public static IdentConfig parse(JsonNode irc) {
    JsonNode n = irc.path("ident");
    if (n.isMissingNode() || n.isNull()) {
      return OFF;
    }
    if (!n.isObject()) {
      throw new ConfigException("irc.ident must be a map such as { enabled: true, bind: 0.0.0.0, port: 113 }, got " + n);
    }
    JsonNode e = n.path("enabled");
    if (!e.isMissingNode() && !e.isBoolean()) {
      throw new ConfigException("irc.ident.enabled must be true or false, got " + e);
    }
    JsonNode b = n.path("bind");
    if (!b.isMissingNode() && !(b.isTextual() && b.asText().matches("[0-9A-Za-z.:\\-\\[\\]]{1,255}"))) {
      throw new ConfigException("irc.ident.bind must be an IP address or host name to listen on (e.g. 0.0.0.0), got "
          + b);
    }
    JsonNode p = n.path("port");
    if (!p.isMissingNode() && !(p.isInt() && p.asInt() >= 0 && p.asInt() <= 65535)) {
      throw new ConfigException("irc.ident.port must be a port number (113 is what IRC servers ask), got " + p);
    }
    return new IdentConfig(e.asBoolean(false), b.isMissingNode() ? OFF.bind() : b.asText(),
        p.isMissingNode() ? OFF.port() : p.asInt());
  }
}
