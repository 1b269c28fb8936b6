package dev.switchboard.xmpp;

import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.BridgeInfo;
import org.jxmpp.jid.BareJid;
import org.jxmpp.jid.EntityBareJid;

/**
 * The {@link BridgeInfo} of each kind of XMPP room: the network is the XMPP domain the room or person is on, the
 * channel the MUC, gateway room or person's address. State keys are {@code dev.switchboard://xmpp/<jid>}.
 */
public final class XmppBridgeInfo {
  private static final BridgeInfo.Named XMPP = new BridgeInfo.Named("xmpp", "XMPP");

  private XmppBridgeInfo() {}

  /** A portal or linked room bridged to the MUC {@code muc}, named {@code name} there. */
  public static BridgeInfo muc(UserId bot, EntityBareJid muc, String name) {
    return of(bot, muc, name);
  }

  /** A Matrix room XMPP users enter as {@code gatewayJid} on our gateway. */
  public static BridgeInfo gatewayRoom(UserId bot, EntityBareJid gatewayJid, RoomAlias alias) {
    return of(bot, gatewayJid, alias.value());
  }

  /** A DM with the XMPP user {@code remote}. */
  public static BridgeInfo directChat(UserId bot, BareJid remote) {
    return of(bot, remote, remote.toString());
  }

  private static BridgeInfo of(UserId bot, BareJid jid, String name) {
    String domain = jid.getDomain().toString();
    return new BridgeInfo(bot, XMPP, new BridgeInfo.Named(domain, domain), new BridgeInfo.Named(jid.toString(), name),
        "dev.switchboard://xmpp/" + jid);
  }
}
