package dev.switchboard.xmpp.stanza;

/**
 * Text made safe for an XML 1.0 stream. XML 1.0 forbids most control characters even as character references, and
 * Prosody answers one from a component with {@code not-well-formed} and drops the whole component stream, so every
 * string from Matrix passes through {@link #clean} before it reaches a stanza builder (which does the escaping).
 */
public final class XmlText {
  private XmlText() {}

  /**
   * Removes what XML 1.0 § 2.2 does not allow: C0 controls other than tab, LF and CR, lone surrogates, U+FFFE and
   * U+FFFF; and what it discourages, DEL and the C1 controls (terminal escapes such as CSI U+009B that no chat
   * client shows, and that XML 1.1 forbids raw). Returns the same instance when there is nothing to remove.
   */
  public static String clean(String text) {
    if (text == null) {
      return null;
    }
    int firstBad = firstInvalid(text);
    if (firstBad < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    out.append(text, 0, firstBad);
    for (int i = firstBad; i < text.length(); ) {
      int cp = text.codePointAt(i);
      int width = Character.charCount(cp);
      if (allowed(cp)) {
        out.appendCodePoint(cp);
      }
      i += width;
    }
    return out.toString();
  }

  /** True when {@code text} can go on the wire as is. */
  public static boolean isClean(String text) {
    return firstInvalid(text) < 0;
  }

  private static int firstInvalid(String text) {
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      if (!allowed(cp)) {
        return i;
      }
      i += Character.charCount(cp);
    }
    return -1;
  }

  /**
   * {@code #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]} without {@code [#x7F-#x9F]}; a
   * lone surrogate is its own code point.
   */
  static boolean allowed(int cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD
        || (cp >= 0x20 && cp < 0x7F) || (cp > 0x9F && cp <= 0xD7FF)
        || (cp >= 0xE000 && cp <= 0xFFFD)
        || (cp >= 0x10000 && cp <= 0x10FFFF);
  }
}
