package dev.switchboard.irc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import java.util.List;

/** The namespaces the IRC connector claims: ghosts {@code @_irc_...} and aliases {@code #_irc_...}, prefixes configurable. */
public final class IrcNamespaces {
  private IrcNamespaces() {}

  /** Namespaces from the {@code irc:} config section, which is read (and checked) as the connector reads it. */
  public static Namespaces of(JsonNode config, String domain) {
    return of(IrcConfig.parse(config), domain);
  }

  /** Namespaces from the {@code user_prefix} and {@code alias_prefix} of the parsed {@code irc:} section. */
  public static Namespaces of(IrcConfig config, String domain) {
    return new Namespaces(List.of(NamespaceRegex.users(config.userPrefix(), domain)),
        List.of(NamespaceRegex.aliases(config.aliasPrefix(), domain)), List.of());
  }
}
