package dev.switchboard.core.homeserver;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The client-server API endpoint of a request path with every identifier replaced by a placeholder, e.g.
 * {@code /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}}: a bounded set of names for metric tags and
 * logs (raw room, user and event ids would grow the metric series without bound and leak who talks where).
 */
public final class EndpointTemplate {
  private EndpointTemplate() {}

  /** The template of an already percent-encoded path (as in {@link MatrixRequest#path()}). */
  public static String of(String encodedPath) {
    String[] parts = encodedPath.split("/", -1);
    StringBuilder out = new StringBuilder();
    for (int i = 1; i < parts.length; i++) {
      String segment = decode(parts[i]);
      String previous = i >= 2 ? decode(parts[i - 1]) : "";
      String beforePrevious = i >= 3 ? decode(parts[i - 2]) : "";
      out.append('/').append(placeholder(segment, previous, beforePrevious, i));
    }
    return out.length() == 0 ? "/" : out.toString();
  }

  private static String placeholder(String segment, String previous, String beforePrevious, int index) {
    // Positions whose value is chosen by us or the sender, not an id with a sigil.
    if (beforePrevious.equals("send") || beforePrevious.equals("redact")) {
      return "{txnId}";
    }
    if (beforePrevious.equals("state")) {
      return "{stateKey}";
    }
    if (previous.equals("appservice")) {
      return "{appserviceId}";
    }
    if (segment.isEmpty()) {
      return "";
    }
    switch (segment.charAt(0)) {
      case '!':
        return "{roomId}";
      case '@':
        return "{userId}";
      case '#':
        return "{roomAlias}";
      case '$':
        return "{eventId}";
      default:
        break;
    }
    // Anything else we did not expect to vary (event types, API words) stays, but only if it looks like one.
    if (segment.length() > 64 || !segment.matches("[A-Za-z0-9._-]+")) {
      return "{param}";
    }
    return segment;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
