package dev.switchboard.xmpp.component;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code <stream:error>} from the server (RFC 6120 § 4.9), reduced to its condition and optional text.
 *
 * @param condition e.g. {@code not-authorized}, {@code conflict}, {@code host-unknown}
 */
record StreamError(String condition, Optional<String> text) {
  private static final String NS = "urn:ietf:params:xml:ns:xmpp-streams";
  private static final Pattern CONDITION =
      Pattern.compile("<([a-z-]+)(?:\\s[^>]*)?\\sxmlns=['\"]" + Pattern.quote(NS) + "['\"]");
  private static final Pattern TEXT =
      Pattern.compile("<text(?:\\s[^>]*)?\\sxmlns=['\"]" + Pattern.quote(NS) + "['\"][^>]*>([^<]*)</text>");

  static boolean isStreamError(String element) {
    return element.startsWith("<stream:error");
  }

  /** Reads the first defined condition; {@code undefined-condition} when there is none we can read. */
  static StreamError parse(String element) {
    String condition = "undefined-condition";
    Matcher m = CONDITION.matcher(element);
    while (m.find()) {
      if (!m.group(1).equals("text")) {
        condition = m.group(1);
        break;
      }
    }
    Matcher t = TEXT.matcher(element);
    return new StreamError(condition, t.find() ? Optional.of(t.group(1)) : Optional.empty());
  }

  /** The server refused who we are (bad secret, unknown domain, someone else holds it): retrying soon cannot help. */
  boolean refusesUs() {
    return switch (condition) {
      case "not-authorized", "host-unknown", "conflict", "improper-addressing", "invalid-from" -> true;
      default -> false;
    };
  }

  String explain() {
    String hint = switch (condition) {
      case "not-authorized" -> "the component secret does not match the server's component_secret";
      case "host-unknown" -> "the server has no component for this domain (check its Component entry)";
      case "conflict" -> "another connection already holds this component domain";
      default -> "";
    };
    return condition + text.map(t -> " (" + t + ")").orElse("") + (hint.isEmpty() ? "" : ": " + hint);
  }
}
