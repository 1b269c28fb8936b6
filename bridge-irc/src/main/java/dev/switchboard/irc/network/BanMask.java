package dev.switchboard.irc.network;

import java.util.Locale;

/**
 * IRC ban masks ({@code nick!user@host} with {@code *} and {@code ?} wildcards), compared case-insensitively as
 * servers do. Extended bans ({@code $a:account}, {@code ~q:...}) are never matched: what they match is server
 * specific, and reflecting a ban on the wrong ghost is worse than missing one.
 */
public final class BanMask {
  private BanMask() {}

  /** Whether {@code mask} fits one MODE parameter: 1-200 printable characters, no space, no leading ':'. */
  public static boolean isSafe(String mask) {
    return mask != null && !mask.isEmpty() && mask.length() <= 200 && mask.charAt(0) != ':'
        && mask.chars().allMatch(c -> c > 0x20 && c != 0x7f && !Character.isISOControl(c) && !Character.isSpaceChar(c));
  }

  /** The nick of a plain {@code nick!*@*} mask (what the bridge sets for Matrix bans), else empty. */
  public static java.util.Optional<String> plainNick(String mask) {
    if (mask.endsWith("!*@*") && mask.length() > 4) {
      String nick = mask.substring(0, mask.length() - 4);
      if (nick.chars().noneMatch(c -> c == '*' || c == '?' || c == '!' || c == '@')) {
        return java.util.Optional.of(nick);
      }
    }
    return java.util.Optional.empty();
  }

  /** Whether {@code mask} matches the user {@code nick!user@host}. */
  public static boolean matches(String mask, String nick, String user, String host) {
    if (mask.isEmpty() || mask.charAt(0) == '$' || mask.charAt(0) == '~' || mask.indexOf(':') >= 0
        && mask.indexOf('!') < 0) {
      return false;
    }
    String full = mask.indexOf('!') < 0 && mask.indexOf('@') < 0 ? mask + "!*@*" : mask;
    return glob(full.toLowerCase(Locale.ROOT), 0, (nick + "!" + user + "@" + host).toLowerCase(Locale.ROOT), 0);
  }

  private static boolean glob(String p, int pi, String s, int si) {
    // Iterative wildcard matching with one backtrack point: linear enough for masks and hostmasks.
    int star = -1;
    int mark = 0;
    while (si < s.length()) {
      if (pi < p.length() && (p.charAt(pi) == '?' || p.charAt(pi) == s.charAt(si))) {
        pi++;
        si++;
      } else if (pi < p.length() && p.charAt(pi) == '*') {
        star = pi++;
        mark = si;
      } else if (star >= 0) {
        pi = star + 1;
        si = ++mark;
      } else {
        return false;
      }
    }
    while (pi < p.length() && p.charAt(pi) == '*') {
      pi++;
    }
    return pi == p.length();
  }
}
