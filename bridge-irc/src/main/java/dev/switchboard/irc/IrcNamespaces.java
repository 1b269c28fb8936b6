package dev.switchboard.irc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;

/** The namespaces the Irc connector claims: ghosts {@code @_irc_...} and aliases {@code #_irc_...}, prefixes configurable. */
public final class IrcNamespaces {
  private IrcNamespaces() {}

  /** Namespaces from the {@code irc:} config section ({@code user_prefix}, {@code alias_prefix}). */
  public static Namespaces of(JsonNode config, String domain) {
    return NamespaceRegex.forConnector(config, "_irc_", true, domain);
  }
}
