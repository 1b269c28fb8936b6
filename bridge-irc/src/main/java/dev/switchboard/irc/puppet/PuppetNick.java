package dev.switchboard.irc.puppet;

import java.text.Normalizer;

/**
 * IRC nicks for Matrix users' own connections (RFC 2812 section 2.3.1): a letter or one of {@code []\`_^{|}}
 * first, then letters, digits, those specials and {@code -}; at most the server's NICKLEN.
 */
public final class PuppetNick {
  /** RFC 2812's limit, which every server accepts; used until the server announces its own. */
  public static final int RFC_NICK_LENGTH = 9;

  private static final String SPECIAL = "[]\\`_^{|}";

  private PuppetNick() {}

  /** Whether {@code nick} is a valid IRC nick of any length. */
  public static boolean isValid(String nick) {
    if (nick == null || nick.isEmpty() || !isFirst(nick.charAt(0))) {
      return false;
    }
    return nick.chars().skip(1).allMatch(c -> isRest((char) c));
  }

  /**
   * A valid nick of at most {@code maxLength} characters built from a Matrix display name or localpart: accents
   * dropped, spaces and other characters removed, a {@code _} put first when the name would start with a digit
   * or {@code -}, {@code fallback} when nothing is left.
   */
  public static String sanitise(String name, int maxLength, String fallback) {
    String ascii = Normalizer.normalize(name == null ? "" : name, Normalizer.Form.NFKD);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < ascii.length() && b.length() < maxLength; i++) {
      char c = ascii.charAt(i);
      if (b.isEmpty() && !isFirst(c)) {
        if (isRest(c)) {
          b.append('_');
          if (b.length() < maxLength) {
            b.append(c);
          }
        }
        continue;
      }
      if (isRest(c)) {
        b.append(c);
      }
    }
    if (b.isEmpty()) {
      return sanitise(fallback, maxLength, "matrix");
    }
    return b.toString();
  }

  /**
   * The nick to try after {@code attempt} collisions: the base, then base with {@code _}, {@code _2}, {@code _3}
   * ... always cut so the whole fits {@code maxLength}.
   */
  public static String candidate(String base, int attempt, int maxLength) {
    String suffix = attempt == 0 ? "" : attempt == 1 ? "_" : "_" + attempt;
    int keep = Math.max(1, Math.min(base.length(), maxLength - suffix.length()));
    return base.substring(0, keep) + suffix;
  }

  private static boolean isFirst(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || SPECIAL.indexOf(c) >= 0;
  }

  private static boolean isRest(char c) {
    return isFirst(c) || (c >= '0' && c <= '9') || c == '-';
  }

  /** The case-folded form of a nick for lookups (ASCII, which every server's casemapping includes). */
  public static String key(String nick) {
    return nick.toLowerCase(java.util.Locale.ROOT);
  }
}
