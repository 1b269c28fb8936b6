package dev.switchboard.xmpp.address;

import dev.switchboard.core.id.RoomAlias;
import java.util.Optional;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Localpart;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * Gateway-mode room addresses: the Matrix room {@code #dev:example.org} is the MUC {@code #dev\3aexample.org@<component
 * domain>}, with the same reversible escaping as Matrix users' JIDs. The leading {@code #} keeps rooms apart from
 * users ({@code alice\3aexample.org@...}).
 */
public final class GatewayJids {
  private final String componentDomain;

  public GatewayJids(String componentDomain) {
    this.componentDomain = componentDomain;
  }

  public EntityBareJid jidOf(RoomAlias alias) {
    try {
      return JidCreate.entityBareFrom(Localpart.from(MatrixUserJids.ESCAPING.escape(alias.value())),
          JidCreate.domainBareFrom(componentDomain));
    } catch (XmppStringprepException e) {
      throw new IllegalArgumentException("no gateway JID for " + alias + ": " + e.getMessage(), e);
    }
  }

  /** The alias a JID on the component names; empty when it is not a gateway room address. */
  public Optional<RoomAlias> aliasOf(Jid jid) {
    if (jid == null || !jid.getDomain().toString().equals(componentDomain) || jid.getLocalpartOrNull() == null) {
      return Optional.empty();
    }
    String local = jid.getLocalpartOrNull().toString();
    if (!local.startsWith("#")) {
      return Optional.empty();
    }
    try {
      return Optional.of(RoomAlias.of(MatrixUserJids.ESCAPING.unescape(local)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** True for the JID of a gateway room (bare or an occupant of one). */
  public boolean isGatewayRoom(Jid jid) {
    return aliasOf(jid).isPresent();
  }
}
