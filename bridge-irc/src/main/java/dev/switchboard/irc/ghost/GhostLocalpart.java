package dev.switchboard.irc.ghost;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Maps an IRC nick to the part of a ghost's Matrix localpart after {@code <prefix><network>_}, and back.
 *
 * <p>Matrix localparts allow only {@code a-z 0-9 . _ = - /} (spec, "User Identifiers"); IRC nicks also use upper
 * case and {@code []\`^{|}}. IRC compares nicks case-insensitively, so {@code Alice} and {@code alice} are one
 * person and map to one ghost: A-Z is lower-cased (ASCII casemapping). Every other byte outside
 * {@code a-z 0-9 . _ - /} becomes {@code =xx} (lower-case hex of the UTF-8 byte), as in the spec's mapping from
 * other character sets and mautrix bridges; {@code =} itself is escaped, so the mapping reverses exactly.
 */
public final class GhostLocalpart {
  private GhostLocalpart() {}

  /** The escaped, case-folded nick. */
  public static String escape(String nick) {
    StringBuilder b = new StringBuilder(nick.length() + 8);
    for (byte raw : nick.getBytes(StandardCharsets.UTF_8)) {
      int c = raw & 0xff;
      if (c >= 'A' && c <= 'Z') {
        b.append((char) (c + 32));
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/') {
        b.append((char) c);
      } else {
        b.append('=').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
      }
    }
    return b.toString();
  }

  /** The case-folded nick an escaped form stands for; empty when {@code escaped} is not one we produce. */
  public static Optional<String> unescape(String escaped) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(escaped.length());
    for (int i = 0; i < escaped.length(); i++) {
      char c = escaped.charAt(i);
      if (c == '=') {
        if (i + 2 >= escaped.length()) {
          return Optional.empty();
        }
        int hi = Character.digit(escaped.charAt(i + 1), 16);
        int lo = Character.digit(escaped.charAt(i + 2), 16);
        if (hi < 0 || lo < 0 || Character.isUpperCase(escaped.charAt(i + 1))
            || Character.isUpperCase(escaped.charAt(i + 2))) {
          return Optional.empty();
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/') {
        out.write(c);
      } else {
        return Optional.empty();
      }
    }
    String nick = out.toString(StandardCharsets.UTF_8);
    return escape(nick).equals(escaped) ? Optional.of(nick) : Optional.empty();
  }
}
