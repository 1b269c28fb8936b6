package dev.switchboard.xmpp.stanza;

import java.util.HashMap;
import java.util.Map;

/**
 * Reads an element's start tag as it came off the stream ({@code <name attr='value' ...>}), without an XML parser:
 * for the looks taken before a stanza is parsed (the stream's opening tag, a MUC's copies that nobody reads). Only
 * plain tags are read; anything unusual reads as null, and the caller then leaves the element to the real parser.
 * Attribute values are returned as written (entities are not expanded).
 */
public final class StartTag {
  private StartTag() {}

  /** The qualified name of the tag ({@code stream:stream}, {@code message}), or null when there is none. */
  public static String name(String tag) {
    if (!tag.startsWith("<")) {
      return null;
    }
    int end = nameEnd(tag);
    return end > 1 ? tag.substring(1, end) : null;
  }

  /**
   * The attributes of the tag, or null when it is not a plain well-formed one: no name, an attribute without a
   * quoted value, an empty or repeated name, no closing {@code >}.
   */
  public static Map<String, String> attributes(String tag) {
    if (!tag.startsWith("<")) {
      return null;
    }
    int i = nameEnd(tag);
    int n = tag.length();
    if (i <= 1) {
      return null;
    }
    Map<String, String> out = new HashMap<>(8);
    while (i < n) {
      char c = tag.charAt(i);
      if (c == '>' || (c == '/' && i + 1 < n && tag.charAt(i + 1) == '>')) {
        return out;
      }
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      int eq = tag.indexOf('=', i);
      if (eq < 0) {
        return null;
      }
      int q = eq + 1;
      while (q < n && Character.isWhitespace(tag.charAt(q))) {
        q++;
      }
      if (q >= n || (tag.charAt(q) != '\'' && tag.charAt(q) != '"')) {
        return null;
      }
      int close = tag.indexOf(tag.charAt(q), q + 1);
      String name = tag.substring(i, eq).strip();
      if (close < 0 || name.isEmpty() || out.put(name, tag.substring(q + 1, close)) != null) {
        return null;
      }
      i = close + 1;
    }
    return null;
  }

  /** Where the name after {@code <} ends: at white space, {@code >} or {@code /}. */
  private static int nameEnd(String tag) {
    int i = 1;
    while (i < tag.length()) {
      char c = tag.charAt(i);
      if (Character.isWhitespace(c) || c == '>' || c == '/') {
        break;
      }
      i++;
    }
    return i;
  }
}
