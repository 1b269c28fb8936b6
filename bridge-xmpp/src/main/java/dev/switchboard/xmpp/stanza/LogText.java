package dev.switchboard.xmpp.stanza;

/**
 * A remote-controlled string (a URL, nick, stanza id, error text) made safe for one log line: control characters,
 * line and paragraph separators and lone surrogates become visible escapes ({@code \n}, {@code \u0001}), so nobody
 * on XMPP can forge a log line or hide one; long strings are cut.
 */
public final class LogText {
  private static final int MAX = 300;

  private LogText() {}

  /** The string with its invisible or line-breaking characters escaped; {@code "null"} for null. */
  public static String of(Object remote) {
    String text = String.valueOf(remote);
    StringBuilder out = null;
    int length = Math.min(text.length(), MAX);
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      String escape = escape(c, text, i);
      if (escape != null && out == null) {
        out = new StringBuilder(length + 16).append(text, 0, i);
      }
      if (out != null) {
        if (escape != null) {
          out.append(escape);
        } else {
          out.append(c);
        }
      }
    }
    String result = out == null ? text.substring(0, length) : out.toString();
    return text.length() > MAX ? result + "..." : result;
  }

  private static String escape(char c, String text, int i) {
    switch (c) {
      case '\n':
        return "\\n";
      case '\r':
        return "\\r";
      case '\t':
        return "\\t";
      case '\\':
        return "\\\\";
      default:
        break;
    }
    boolean lone = Character.isHighSurrogate(c) ? i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))
        : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029' || c == '\u202E' || lone
        || c == '\uFFFE' || c == '\uFFFF') {
      return String.format("\\u%04x", (int) c);
    }
    return null;
  }
}
