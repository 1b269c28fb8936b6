package dev.switchboard.irc.network;

/**
 * IRC channel keys ({@code +k}): what may go on the wire after {@code JOIN #channel}. RFC 2812 allows any octet but
 * NUL, CR, LF, tab, space, comma and a few more; servers cap the length (KEYLEN: ngircd 23, InspIRCd 32). We accept
 * 1-32 printable characters without space, comma or a leading colon, so a key is always one parameter of one line.
 */
public final class ChannelKey {
  /** The longest key we accept. */
  public static final int MAX_LENGTH = 32;

  private ChannelKey() {}

  public static boolean isValid(String key) {
    if (key == null || key.isEmpty() || key.length() > MAX_LENGTH || key.charAt(0) == ':') {
      return false;
    }
    return key.chars().allMatch(c -> c > 0x20 && c != 0x7f && c != ',' && !Character.isISOControl(c)
        && !Character.isWhitespace(c) && !Character.isSpaceChar(c));
  }
}
