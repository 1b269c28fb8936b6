package dev.switchboard.registration;

/**
 * Builds namespace regexes that mean the same in Java and in Python's {@code re} (which homeservers use):
 * no {@code \Q...\E}, every non-alphanumeric literal escaped with a backslash.
 */
public final class NamespaceRegex {
  private NamespaceRegex() {}

  /** Escapes {@code literal} so both regex engines match it verbatim. */
  public static String escape(String literal) {
    StringBuilder out = new StringBuilder(literal.length() * 2);
    literal.codePoints().forEach(cp -> {
      if (cp < 128 && !Character.isLetterOrDigit(cp) && cp != '_') {
        out.append('\\');
      }
      out.appendCodePoint(cp);
    });
    return out.toString();
  }

  /** Exclusive claim on user ids {@code @<prefix>...:<domain>}. */
  public static Namespace users(String localpartPrefix, String domain) {
    return new Namespace(true, "@" + escape(localpartPrefix) + ".*:" + escape(domain) + "$");
  }

  /** Exclusive claim on aliases {@code #<prefix>...:<domain>}. */
  public static Namespace aliases(String aliasPrefix, String domain) {
    return new Namespace(true, "#" + escape(aliasPrefix) + ".*:" + escape(domain) + "$");
  }

  /**
   * A connector's exclusive claims from its config section: {@code user_prefix} (ghosts) and, if it has portals,
   * {@code alias_prefix}; each defaults to {@code defaultPrefix} when missing or blank.
   */
  public static Namespaces forConnector(com.fasterxml.jackson.databind.JsonNode section, String defaultPrefix,
      boolean claimsAliases, String domain) {
    return new Namespaces(
        java.util.List.of(users(prefix(section, "user_prefix", defaultPrefix), domain)),
        claimsAliases ? java.util.List.of(aliases(prefix(section, "alias_prefix", defaultPrefix), domain))
            : java.util.List.of(),
        java.util.List.of());
  }

  private static String prefix(com.fasterxml.jackson.databind.JsonNode section, String field, String fallback) {
    com.fasterxml.jackson.databind.JsonNode v = section.path(field);
    return v.isTextual() && !v.asText().isBlank() ? v.asText() : fallback;
  }
}
