package dev.switchboard.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;

/** The namespaces the Xmpp connector claims: ghosts {@code @_xmpp_...} and aliases {@code #_xmpp_...}, prefixes configurable. */
public final class XmppNamespaces {
  private XmppNamespaces() {}

  /** Namespaces from the {@code xmpp:} config section ({@code user_prefix}, {@code alias_prefix}). */
  public static Namespaces of(JsonNode config, String domain) {
    return NamespaceRegex.forConnector(config, "_xmpp_", true, domain);
  }
}
