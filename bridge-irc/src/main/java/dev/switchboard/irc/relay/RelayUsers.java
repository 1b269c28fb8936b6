package dev.switchboard.irc.relay;

import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.permission.RelayFormat;
import dev.switchboard.core.permission.RelayNames;
import dev.switchboard.irc.message.MatrixAnnotations;
import dev.switchboard.irc.message.MatrixMessages;
import dev.switchboard.irc.network.IrcConnection;
import dev.switchboard.irc.portal.ChannelRef;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

/**
 * Relay mode on one network: the portal events of Matrix users at permission level {@code relay}, who get no
 * connection of their own, said by the network's bot (the connection that joins the bridged channels) in the
 * {@code relay} format. Messages (text, notice, emote, media links, edits, replies, long ones as a link),
 * reactions and redactions go the way a puppet's would, through the same formatting, splitting and message map;
 * anything else of theirs (topics, membership) changes nothing on IRC.
 */
public final class RelayUsers {
  private final IrcConnection bot;
  private final MatrixMessages messages;
  private final MatrixAnnotations annotations;
  private final RelayNames names;
  private final Intent reader;
  private final RelayFormat format;
  private final IntSupplier nickLength;

  /** @param reader reads the names {@code names} does not know yet from the room's state (the bot: it is in every portal) */
  public RelayUsers(IrcConnection bot, MatrixMessages messages, MatrixAnnotations annotations, RelayNames names,
      Intent reader, RelayFormat format, IntSupplier nickLength) {
    this.reader = reader;
    this.bot = bot;
    this.messages = messages;
    this.annotations = annotations;
    this.names = names;
    this.format = format;
    this.nickLength = nickLength;
  }

  /** A relay user's membership event in a portal: their display name for the lines said for them. */
  public void remember(dev.switchboard.core.id.RoomId room, dev.switchboard.core.id.UserId user,
      java.util.Optional<String> displayName) {
    names.remember(room, user, displayName);
  }

  /** One event of a relay user in a portal; completes when the bot has written its lines. */
  public CompletableFuture<Void> handle(MatrixEvent event, ChannelRef channel) {
    return switch (event.type()) {
      case "m.room.message" -> voice(event, channel).thenCompose(v -> messages.relay(event, channel, v));
      case "m.reaction" -> voice(event, channel).thenCompose(v -> annotations.reaction(event, channel, v));
      case "m.room.redaction" -> voice(event, channel).thenCompose(v -> annotations.redaction(event, channel, v));
      default -> CompletableFuture.completedFuture(null);
    };
  }

  private CompletableFuture<RelayVoice> voice(MatrixEvent event, ChannelRef channel) {
    return names.nameOf(event.roomId(), event.sender(), reader).thenApply(name ->
        new RelayVoice(bot, channel.channel(), format, event.sender(), name, nickLength));
  }
}
