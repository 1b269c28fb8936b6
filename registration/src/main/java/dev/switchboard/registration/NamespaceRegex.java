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
}
