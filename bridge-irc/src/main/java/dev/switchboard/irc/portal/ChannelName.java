package dev.switchboard.irc.portal;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * An IRC channel name, validated once (RFC 2812 section 1.3): starts with {@code #}, {@code &}, {@code +} or
 * {@code !}; at most 50 bytes; no space, comma, BEL, NUL, CR or LF. We also refuse {@code :}, which would end the
 * localpart of the portal alias. {@link #key()} folds ASCII case, as servers compare names case-insensitively.
 */
public record ChannelName(String value) {
  /** RFC 2812's CHANNELLEN; servers announcing more are rare and portals do not need more. */
  public static final int MAX_BYTES = 50;

  public ChannelName {
    Optional<String> problem = problem(value);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
  }

  /** The channel name, or empty when {@code value} is not a valid one. */
  public static Optional<ChannelName> parse(String value) {
    return problem(value).isPresent() ? Optional.empty() : Optional.of(new ChannelName(value));
  }

  private static Optional<String> problem(String value) {
    if (value == null || value.length() < 2) {
      return Optional.of("not a channel name: '" + value + "' (expected e.g. #room)");
    }
    if ("#&+!".indexOf(value.charAt(0)) < 0) {
      return Optional.of("not a channel name: '" + value + "' (must start with #, &, + or !)");
    }
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return Optional.of("channel name longer than " + MAX_BYTES + " bytes: '" + value + "'");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == ' ' || c == ',' || c == ':' || c == '\u0007' || c == '\0' || c == '\r' || c == '\n') {
        return Optional.of("channel name contains a forbidden character (space, comma, colon, BEL, NUL, CR, LF): '"
            + value.replaceAll("[\\p{Cntrl}]", "?") + "'");
      }
    }
    return Optional.empty();
  }

  /** The case-folded form (ASCII), used to compare and to key links. */
  public String key() {
    return asciiLower(value);
  }

  /** Lower-cases A-Z only: IRC's "ascii" casemapping, which every server's mapping includes. */
  static String asciiLower(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return value;
  }
}
