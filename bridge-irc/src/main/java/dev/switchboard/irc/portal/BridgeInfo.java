package dev.switchboard.irc.portal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.UserId;
import java.util.List;

/**
 * The {@code m.bridge} state of a bridged room (MSC2346), also sent as {@code uk.half-shot.bridge}, the unstable
 * name clients such as Element still read. It tells clients which network and channel the room is bridged to.
 */
public record BridgeInfo(UserId bot, ChannelRef channel) {
  public static final List<String> TYPES = List.of("m.bridge", "uk.half-shot.bridge");

  /** One state key per bridged channel, so a room linked to several channels carries one event for each. */
  public String stateKey() {
    return "dev.switchboard.irc://" + channel.network() + "/" + channel.channel().key();
  }

  public ObjectNode content() {
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    c.put("bridgebot", bot.value());
    c.put("creator", bot.value());
    c.putObject("protocol").put("id", "irc").put("displayname", "IRC");
    c.putObject("network").put("id", channel.network()).put("displayname", channel.network());
    c.putObject("channel").put("id", channel.channel().key()).put("displayname", channel.channel().value());
    return c;
  }
}
