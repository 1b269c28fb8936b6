package dev.switchboard.sip.dm;

import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.BridgeInfo;
import dev.switchboard.sip.address.Dialable;

/**
 * The {@link BridgeInfo} of a DM with a ghost: the network is the phone network for a number ({@code tel:} URI as
 * channel id, RFC 3966) or the host of a SIP address ({@code sip:} URI as channel id).
 */
final class SipBridgeInfo {
  private static final BridgeInfo.Named SIP = new BridgeInfo.Named("sip", "SIP");
  private static final BridgeInfo.Named PHONE_NETWORK = new BridgeInfo.Named("tel", "Phone network");

  private SipBridgeInfo() {}

  static BridgeInfo of(UserId bot, Dialable remote) {
    BridgeInfo.Named network = remote instanceof Dialable.SipAddress a ? new BridgeInfo.Named(a.host(), a.host())
        : PHONE_NETWORK;
    String uri = (remote instanceof Dialable.Number ? "tel:" : "sip:") + remote.display();
    return new BridgeInfo(bot, SIP, network, new BridgeInfo.Named(uri, remote.display()),
        "dev.switchboard://sip/" + remote.display());
  }
}
