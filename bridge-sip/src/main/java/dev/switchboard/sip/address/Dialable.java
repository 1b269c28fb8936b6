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
   * A SIP address {@code user@host}. The host is kept lower case (host names are case-insensitive); the user part
   * is case-sensitive in SIP and kept as is.
   */
  record SipAddress(String user, String host) implements Dialable {
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
      host = host.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
      return user + "@" + host;
    }
  }
}
