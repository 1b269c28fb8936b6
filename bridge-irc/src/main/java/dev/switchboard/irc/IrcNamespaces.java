package dev.switchboard.irc;

import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import java.util.List;

/** The namespaces the IRC connector claims: ghosts {@code @_irc_...} and aliases {@code #_irc_...}, prefixes configurable. */
public final class IrcNamespaces {
  private IrcNamespaces() {}

  /** Namespaces from the {@code user_prefix} and {@code alias_prefix} of the {@code irc:} section. */
  public static Namespaces of(IrcConfig.Prefixes prefixes, String domain) {
    return new Namespaces(List.of(NamespaceRegex.users(prefixes.user(), domain)),
        List.of(NamespaceRegex.aliases(prefixes.alias(), domain)), List.of());
  }
}
