package dev.switchboard.xmpp.address;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.function.IntPredicate;

/**
 * Reversible escaping by an escape character followed by two lower-case hex digits per UTF-8 byte. The escape
 * character itself is always escaped, so decoding is exact: every escape character in an escaped string starts a
 * sequence.
 */
final class HexEscaping {
  private static final HexFormat HEX = HexFormat.of();

  private final char escape;
  private final IntPredicate plain;

  /** @param plain which code points stay as they are (the escape character never does) */
  HexEscaping(char escape, IntPredicate plain) {
    this.escape = escape;
    this.plain = plain;
  }

  String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (cp != escape && plain.test(cp)) {
        out.appendCodePoint(cp);
      } else {
        for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
          out.append(escape).append(HEX.toHexDigits(b));
        }
      }
    }
    return out.toString();
  }

  /** @throws IllegalArgumentException when the text is not something {@link #escape} produced */
  String unescape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < text.length(); ) {
      char c = text.charAt(i);
      if (c == escape) {
        if (i + 3 > text.length()) {
          throw new IllegalArgumentException("truncated escape at " + i + " in '" + text + "'");
        }
        String hex = text.substring(i + 1, i + 3);
        if (!hex.chars().allMatch(h -> (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f'))) {
          throw new IllegalArgumentException("bad escape '" + escape + hex + "' in '" + text + "'");
        }
        bytes.write(HEX.fromHexDigits(hex));
        i += 3;
        continue;
      }
      flush(bytes, out, text);
      int cp = text.codePointAt(i);
      if (!plain.test(cp)) {
        throw new IllegalArgumentException("'" + new String(Character.toChars(cp)) + "' should be escaped in '"
            + text + "'");
      }
      out.appendCodePoint(cp);
      i += Character.charCount(cp);
    }
    flush(bytes, out, text);
    return out.toString();
  }

  private static void flush(ByteArrayOutputStream bytes, StringBuilder out, String text) {
    if (bytes.size() == 0) {
      return;
    }
    var decoder = StandardCharsets.UTF_8.newDecoder();
    try {
      out.append(decoder.decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())));
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException("escapes in '" + text + "' are not UTF-8", e);
    }
    bytes.reset();
  }
}
