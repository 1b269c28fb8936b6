package dev.switchboard.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import java.util.List;

/** The namespaces the Xmpp connector claims: ghosts {@code @_xmpp_...} and aliases {@code #_xmpp_...}, prefixes configurable. */
public final class XmppNamespaces {
  private XmppNamespaces() {}

  /** Namespaces from the {@code xmpp:} config section ({@code user_prefix}, {@code alias_prefix}). */
  public static Namespaces of(JsonNode config, String domain) {
    return new Namespaces(
        List.of(NamespaceRegex.users(text(config, "user_prefix", "_xmpp_"), domain)),
        List.of(NamespaceRegex.aliases(text(config, "alias_prefix", "_xmpp_"), domain)),
        List.of());
  }

  private static String text(JsonNode config, String field, String fallback) {
    JsonNode v = config.path(field);
    return v.isTextual() && !v.asText().isBlank() ? v.asText() : fallback;
  }
}
