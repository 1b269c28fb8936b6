package dev.switchboard.irc.portal;

import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.BridgeInfo;

/** The {@link BridgeInfo} of a room bridged to an IRC channel; its state key is the one IRC rooms always had. */
final class IrcBridgeInfo {
  private IrcBridgeInfo() {}

  static BridgeInfo of(UserId bot, ChannelRef channel) {
    return new BridgeInfo(bot, new BridgeInfo.Named("irc", "IRC"),
        new BridgeInfo.Named(channel.network(), channel.network()),
        new BridgeInfo.Named(channel.channel().key(), channel.channel().value()),
        "dev.switchboard.irc://" + channel.network() + "/" + channel.channel().key());
  }
}
