package dev.switchboard.irc.membership;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.network.IrcConnection;
import dev.switchboard.irc.portal.ChannelRef;
import dev.switchboard.irc.puppet.Puppets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matrix kicks and bans of IRC ghosts, by room moderators, as IRC {@code KICK} and {@code +b} through the
 * moderator's own puppet, so IRC sees who did it and the server checks their rights. When the puppet has no
 * operator rights in the channel (as the bot sees them) nothing is sent and the moderator is told why in the room.
 */
public final class MatrixModeration {
  private static final Logger log = LoggerFactory.getLogger(MatrixModeration.class);
  /** Modes that allow KICK and MODE +b on common servers (owner, admin, op, halfop). */
  private static final String OPERATOR_MODES = "qaoh";

  private final Puppets puppets;
  private final IrcConnection bot;
  private final Intent botIntent;

  public MatrixModeration(Puppets puppets, IrcConnection bot, Intent botIntent) {
    this.puppets = puppets;
    this.bot = bot;
    this.botIntent = botIntent;
  }

  /**
   * {@code moderator} kicked or banned the ghost of {@code nick} in {@code room}.
   *
   * @param reason the Matrix reason, possibly empty
   * @param eventId the membership event, for the notice's txn key
   */
  public CompletableFuture<Void> removed(UserId moderator, RoomId room, ChannelRef channel, String nick, boolean ban,
      String reason, EventId eventId) {
    Optional<IrcConnection> puppet = puppets.existing(moderator).filter(c -> c.isIn(channel.channel()));
    String what = ban ? "ban" : "kick";
    if (puppet.isEmpty()) {
      return tell(room, moderator, "Could not " + what + " " + nick + " on IRC: you are not in "
          + channel.channel() + " on IRC (send a message in this room first).", eventId);
    }
    String modes = bot.userModes(channel.channel(), puppet.get().nick()).orElse("");
    if (modes.chars().noneMatch(c -> OPERATOR_MODES.indexOf(c) >= 0)) {
      return tell(room, moderator, "Could not " + what + " " + nick + " on IRC: your IRC nick "
          + puppet.get().nick() + " is not a channel operator in " + channel.channel() + ".", eventId);
    }
    try {
      if (ban) {
        puppet.get().requests().ban(channel.channel(), nick);
      }
      // No Matrix ids on IRC: the reason as given, or a neutral one.
      puppet.get().requests().kick(channel.channel(), nick, reason.isBlank() ? (ban ? "Banned" : "Kicked") + " from the Matrix room"
          : reason);
      log.info("IRC {}: {} {} {} through their puppet {}", channel.remoteId(), moderator, ban ? "banned" : "kicked",
          nick, puppet.get().nick());
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return tell(room, moderator, "Could not " + what + " " + nick + " on IRC: " + e.getMessage(), eventId);
    }
  }

  /**
   * {@code moderator} lifted the ban of the ghost of {@code nick} in {@code room}: {@code MODE -b mask} through their
   * puppet when it is a channel operator, else a notice saying why.
   *
   * @param mask the mask that banned the ghost on IRC (as the bot saw it), or {@code nick!*@*}
   */
  public CompletableFuture<Void> unbanned(UserId moderator, RoomId room, ChannelRef channel, String nick, String mask,
      EventId eventId) {
    Optional<IrcConnection> puppet = puppets.existing(moderator).filter(c -> c.isIn(channel.channel()));
    if (puppet.isEmpty()) {
      return tell(room, moderator, "Could not unban " + nick + " on IRC: you are not in " + channel.channel()
          + " on IRC (send a message in this room first).", eventId);
    }
    String modes = bot.userModes(channel.channel(), puppet.get().nick()).orElse("");
    if (modes.chars().noneMatch(c -> OPERATOR_MODES.indexOf(c) >= 0)) {
      return tell(room, moderator, "Could not unban " + nick + " on IRC: your IRC nick " + puppet.get().nick()
          + " is not a channel operator in " + channel.channel() + ".", eventId);
    }
    try {
      puppet.get().requests().unban(channel.channel(), mask);
      log.info("IRC {}: {} unbanned {} ({}) through their puppet {}", channel.remoteId(), moderator, nick, mask,
          puppet.get().nick());
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return tell(room, moderator, "Could not unban " + nick + " on IRC: " + e.getMessage(), eventId);
    }
  }

  private CompletableFuture<Void> tell(RoomId room, UserId moderator, String text, EventId eventId) {
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice")
        .put("body", moderator.value() + ": " + text);
    content.putObject("m.mentions").putArray("user_ids").add(moderator.value());
    return botIntent.sendMessage(room, content, "irc/moderation/" + eventId.value()).handle((id, err) -> {
      if (err != null) {
        log.warn("Could not tell {} in {} why a kick did not reach IRC: {}", moderator, room, err.toString());
      }
      return null;
    });
  }
}
