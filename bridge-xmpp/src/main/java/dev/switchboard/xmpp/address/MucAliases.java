package dev.switchboard.xmpp.address;

import dev.switchboard.core.id.RoomAlias;
import java.util.Optional;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * Portal aliases of MUCs: {@code #_xmpp_<room>_<muc service>:<server>}, e.g. {@code #_xmpp_dev_conference.example.net}
 * for {@code dev@conference.example.net}. Both parts use the ghost escaping ({@code =} plus hex); the service part
 * escapes {@code _} as well, so the last {@code _} always separates them.
 */
public final class MucAliases {
  private static final HexEscaping SERVICE = new HexEscaping('=', cp -> cp != '_'
      && XmppGhostIds.ESCAPING_PLAIN.test(cp));

  private final String prefix;
  private final String serverName;

  public MucAliases(String prefix, String serverName) {
    this.prefix = prefix;
    this.serverName = serverName;
  }

  public RoomAlias aliasOf(EntityBareJid muc) {
    return RoomAlias.of("#" + prefix + XmppGhostIds.ESCAPING.escape(muc.getLocalpart().toString()) + "_"
        + SERVICE.escape(muc.getDomain().toString()) + ":" + serverName);
  }

  /** The MUC an alias names; empty when it is not in our namespace or does not parse. */
  public Optional<EntityBareJid> mucOf(RoomAlias alias) {
    String local = alias.localpart();
    if (!alias.server().equals(serverName) || !local.startsWith(prefix)) {
      return Optional.empty();
    }
    String rest = local.substring(prefix.length());
    int cut = rest.lastIndexOf('_');
    if (cut <= 0 || cut == rest.length() - 1) {
      return Optional.empty();
    }
    try {
      return Optional.of(JidCreate.entityBareFrom(XmppGhostIds.ESCAPING.unescape(rest.substring(0, cut)) + "@"
          + SERVICE.unescape(rest.substring(cut + 1))));
    } catch (IllegalArgumentException | XmppStringprepException e) {
      return Optional.empty();
    }
  }
}
