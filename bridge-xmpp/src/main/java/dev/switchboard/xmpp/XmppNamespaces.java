package dev.switchboard.xmpp;

import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import java.util.List;

/** The namespaces the Xmpp connector claims: ghosts {@code @_xmpp_...} and aliases {@code #_xmpp_...}, prefixes configurable. */
public final class XmppNamespaces {
  private XmppNamespaces() {}

  /** Exclusive claims on the ghosts and portal aliases with these prefixes on {@code domain}. */
  public static Namespaces of(XmppConfig.Prefixes prefixes, String domain) {
    return new Namespaces(List.of(NamespaceRegex.users(prefixes.user(), domain)),
        List.of(NamespaceRegex.aliases(prefixes.alias(), domain)), List.of());
  }
}
