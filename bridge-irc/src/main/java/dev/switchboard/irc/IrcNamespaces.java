package dev.switchboard.irc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import java.util.List;

/** The namespaces the Irc connector claims: ghosts {@code @_irc_...} and aliases {@code #_irc_...}, prefixes configurable. */
public final class IrcNamespaces {
  private IrcNamespaces() {}

  /** Namespaces from the {@code irc:} config section ({@code user_prefix}, {@code alias_prefix}). */
  public static Namespaces of(JsonNode config, String domain) {
    return new Namespaces(
        List.of(NamespaceRegex.users(text(config, "user_prefix", "_irc_"), domain)),
        List.of(NamespaceRegex.aliases(text(config, "alias_prefix", "_irc_"), domain)),
        List.of());
  }

  private static String text(JsonNode config, String field, String fallback) {
    JsonNode v = config.path(field);
    return v.isTextual() && !v.asText().isBlank() ? v.asText() : fallback;
  }
}
