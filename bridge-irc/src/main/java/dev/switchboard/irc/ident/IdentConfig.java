package dev.switchboard.irc.ident;

import java.net.InetSocketAddress;

/**
 * {@code irc.ident} (read by {@link dev.switchboard.irc.IrcConfig}): whether the bridge serves identd (RFC 1413) for its IRC connections, and where.
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
}
