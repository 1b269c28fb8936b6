package dev.switchboard.irc.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns Matrix text into IRC message texts that are safe to put on the wire: no CR, LF or NUL inside a line (a
 * line break would end the IRC command and let the sender inject another; ngircd also ends a line at a lone CR),
 * no CTCP delimiter (so nobody can send a CTCP such as DCC through us), and each line at most a given number of
 * UTF-8 bytes, cut between code points and preferably at a space.
 */
public final class IrcLines {
  private IrcLines() {}

  /**
   * Splits {@code text} at line breaks (CR, LF, CRLF, and the Unicode line and paragraph separators), drops blank
   * lines (IRC refuses empty messages), removes NUL and CTCP delimiters, and cuts each line to {@code maxBytes}.
   */
  public static List<String> split(String text, int maxBytes) {
    if (maxBytes < 4) {
      throw new IllegalArgumentException("maxBytes must leave room for one code point, got " + maxBytes);
    }
    List<String> out = new ArrayList<>();
    for (String line : text.split("\r\n|[\r\n\u0085\u2028\u2029]", -1)) {
      String clean = line.replace("\0", "").replace("\u0001", "");
      if (clean.isBlank()) {
        continue;
      }
      cut(clean, maxBytes, out);
    }
    return out;
  }

  private static void cut(String line, int maxBytes, List<String> out) {
    int start = 0;
    while (start < line.length()) {
      int end = start;
      int bytes = 0;
      while (end < line.length()) {
        int cp = line.codePointAt(end);
        int len = utf8Length(cp);
        if (bytes + len > maxBytes) {
          break;
        }
        bytes += len;
        end += Character.charCount(cp);
      }
      if (end < line.length()) {
        // Prefer a break at the last space in the second half of the chunk, so words stay whole.
        int space = line.lastIndexOf(' ', end - 1);
        if (space > start + (end - start) / 2) {
          end = space + 1;
        }
      }
      String piece = line.substring(start, end);
      if (!piece.isBlank()) {
        out.add(end < line.length() ? piece.stripTrailing() : piece);
      }
      start = end;
    }
  }

  /** Bytes of {@code s} in UTF-8. */
  public static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static int utf8Length(int codePoint) {
    if (codePoint < 0x80) {
      return 1;
    }
    if (codePoint < 0x800) {
      return 2;
    }
    if (Character.isSurrogate((char) codePoint) || codePoint < 0x10000) {
      return 3; // a lone surrogate is encoded as '?' by Java, one byte; 3 is a safe upper bound
    }
    return 4;
  }

  /**
   * The bytes left for message text in {@code PRIVMSG <target> :<text>} as the server relays it to others, with
   * {@code :<nick>!<user>@<host> } in front and CRLF behind, inside 512. User and host are the server's to choose,
   * so we reserve {@value #PREFIX_RESERVE} bytes for them beside the nick; {@code extra} covers framing such as
   * CTCP ACTION's.
   */
  public static int textBudget(String nick, String target, int extra) {
    int fixed = 1 + utf8Length(nick) + PREFIX_RESERVE + "PRIVMSG ".length() + utf8Length(target) + 2 + 2;
    return MAX_LINE - fixed - extra;
  }

  /** RFC 1459's line limit including CRLF; ngircd drops the client ("Request too long") past it. */
  public static final int MAX_LINE = 512;

  /** For {@code !user@host } beside the nick: a 10-byte user, a 63-byte host, separators and a safety margin. */
  static final int PREFIX_RESERVE = 100;
}
