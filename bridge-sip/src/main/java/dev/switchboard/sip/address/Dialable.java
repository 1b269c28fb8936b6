package dev.switchboard.sip.address;

import java.util.Locale;

/** What a ghost stands for: a phone number reached through the trunk, or a SIP address reached directly. */
public sealed interface Dialable {

  /** How people write it: {@code +442071234567}, {@code alice@pbx.example.org}. */
  default String display() {
    return this instanceof Number n ? n.e164() : toString();
  }

  /** An E.164 number, {@code +} and 2 to 15 digits. */
  record Number(String e164) implements Dialable {
    public Number {
      if (!e164.matches("\\+[1-9][0-9]{1,14}")) {
        throw new IllegalArgumentException("not an E.164 number: '" + e164 + "'");
      }
    }
  }

  /**
   * A SIP address {@code user@host} or {@code user@host:port}. The host is kept lower case (host names are
   * case-insensitive); the user part is case-sensitive in SIP and kept as is. The port is {@link #DEFAULT_PORT} when
   * none is given: the bridge dials {@code sip:} URIs, whose default port (5060) is never written, so one address
   * has one spelling.
   */
  record SipAddress(String user, String host, int port) implements Dialable {
    /** No port: the transport's default (RFC 3263), 5060 for {@code sip:}. */
    public static final int DEFAULT_PORT = -1;
    private static final int SIP_PORT = 5060;

    public SipAddress {
      if (user.isEmpty() || host.isEmpty()) {
        throw new IllegalArgumentException("SIP address needs a user and a host: '" + user + "@" + host + "'");
      }
      if (!host.matches("[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\]")) {
        throw new IllegalArgumentException("not a SIP host: '" + host + "'");
      }
      if (user.chars().anyMatch(c -> c < 0x21 || c == '@' || c == '<' || c == '>' || c == '"' || c == 0x7f)) {
        throw new IllegalArgumentException("not a SIP user part: '" + user + "'");
      }
      if (port != DEFAULT_PORT && (port < 1 || port > 65535)) {
        throw new IllegalArgumentException("not a port: " + port);
      }
      host = host.toLowerCase(Locale.ROOT);
      port = port == SIP_PORT ? DEFAULT_PORT : port;
    }

    /** An address on the default port. */
    public SipAddress(String user, String host) {
      this(user, host, DEFAULT_PORT);
    }

    /**
     * {@code user@host[:port]}, the host a name, an IPv4 address or an IPv6 reference ({@code [2001:db8::1]:5062});
     * the inverse of {@link #toString}.
     *
     * @throws IllegalArgumentException when it is none of these
     */
    public static SipAddress parse(String address) {
      int at = address.lastIndexOf('@');
      if (at <= 0) {
        throw new IllegalArgumentException("not user@host: '" + address + "'");
      }
      String hostPort = address.substring(at + 1);
      int colon = hostPort.lastIndexOf(':');
      // A colon inside an IPv6 reference is no port separator: only one after its closing bracket is.
      if (colon < 0 || colon < hostPort.lastIndexOf(']')) {
        return new SipAddress(address.substring(0, at), hostPort);
      }
      String port = hostPort.substring(colon + 1);
      if (!port.matches("[0-9]{1,5}")) {
        throw new IllegalArgumentException("not a port: '" + port + "'");
      }
      return new SipAddress(address.substring(0, at), hostPort.substring(0, colon), Integer.parseInt(port));
    }

    @Override
    public String toString() {
      return user + "@" + host + (port == DEFAULT_PORT ? "" : ":" + port);
    }
  }
}
