package dev.switchboard.irc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.failure.Failures;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.notice.NoticeThrottle;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.irc.message.DeliveryNotices;
import dev.switchboard.irc.network.DeliveryRefused;
import dev.switchboard.irc.network.IrcEvent;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.portal.ChannelPortals;
import dev.switchboard.irc.portal.ChannelRef;
import dev.switchboard.irc.puppet.Puppets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a Matrix user in the room when their event cannot reach IRC for a reason of theirs (the network's {@code
 * max_connections} are all in use, their permission level, a channel that refused them, a line the server refused),
 * and ends that event there, so the room's other events go on (DESIGN.md, data flow 4).
 */
final class UserNotices {
  private static final Logger log = LoggerFactory.getLogger(UserNotices.class);
  /** One notice per user and room about a limit in this long. */
  private static final Duration LIMIT_NOTICE_EVERY = Duration.ofMinutes(10);

  private final Intent bot;
  private final ChannelPortals portals;
  private final Function<UserId, Permissions.Bridging> bridgingOf;
  private final DeliveryNotices deliveryNotices;
  private final NoticeThrottle toldAboutLimit = new NoticeThrottle(LIMIT_NOTICE_EVERY, Clock.systemUTC());
  private final AtomicLong lineRefusals = new AtomicLong();

  UserNotices(Intent bot, ChannelPortals portals, Function<UserId, Permissions.Bridging> bridgingOf) {
    this.bot = bot;
    this.portals = portals;
    this.bridgingOf = bridgingOf;
    this.deliveryNotices = new DeliveryNotices(bot, Clock.systemUTC());
  }

  /** Runs {@code handling} for {@code event}; a refusal of the sender's own ends the event with a notice to them. */
  CompletableFuture<Void> guard(MatrixEvent event, Supplier<CompletableFuture<Void>> handling) {
    CompletableFuture<Void> handled;
    try {
      handled = handling.get();
    } catch (Puppets.LimitReached e) {
      handled = CompletableFuture.failedFuture(e);
    }
    return handled.exceptionallyCompose(error -> {
      Throwable root = Failures.rootCause(error);
      if (root instanceof Puppets.LimitReached limit) {
        return refused(event, limit.getMessage() + ". Try again later");
      }
      if (root instanceof Puppets.NotPermitted) {
        return refusedForLevel(event);
      }
      if (root instanceof DeliveryRefused refused) {
        return deliveryNotices.refused(event, refused);
      }
      return CompletableFuture.failedFuture(error);
    });
  }

  /**
   * The event cannot reach IRC for {@code reason}: the bot tells its sender so in the room, at most once in 10
   * minutes per user and room.
   */
  CompletableFuture<Void> refused(MatrixEvent event, String reason) {
    if (!toldAboutLimit.allow(event.sender().value() + " " + event.roomId().value())) {
      return CompletableFuture.completedFuture(null);
    }
    log.info("IRC: no connection for {} in {}: {}", event.sender(), event.roomId(), reason);
    ObjectNode content = JsonNodeFactory.instance.objectNode()
        .put("msgtype", "m.notice")
        .put("body", event.sender().value() + ": your message was not sent to IRC: " + reason + ".");
    content.putObject("m.mentions").putArray("user_ids").add(event.sender().value());
    return bot.sendMessage(event.roomId(), content, "irc/limit/" + event.eventId().value()).handle((v, e) -> null);
  }

  /**
   * An event that needed the sender's own connection, from a user who may not have one (a relay user writing in a
   * direct chat they opened before their level changed, say): nothing reaches IRC; a relay user is told, as for a
   * full network, and a none user (core keeps their events from us anyway) is not.
   */
  private CompletableFuture<Void> refusedForLevel(MatrixEvent event) {
    if (bridgingOf.apply(event.sender()) == Permissions.Bridging.REFUSE) {
      log.debug("IRC: ignoring {} from {} (level none)", event.type(), event.sender());
      return CompletableFuture.completedFuture(null);
    }
    return refused(event, "your permission level on this bridge (relay) gives you no IRC connection of your own, "
        + "which this needs; ask the bridge's admin for level user");
  }

  /** A puppet's line was refused after it was written (no echo-message): its user is told in the portal. */
  void lineRefused(String network, UserId user, IrcEvent.LineRefused refused) {
    ChannelName.parse(refused.channel()).flatMap(c -> portals.roomOf(new ChannelRef(network, c))).ifPresent(room ->
        deliveryNotices.refusedAfterWrite(user, room, new DeliveryRefused(
            DeliveryRefused.Stage.LINE, refused.channel(), 404,
            refused.reason().isBlank() ? "cannot send to channel" : refused.reason(), 0),
            "irc/" + network + "/refused-line/" + lineRefusals.incrementAndGet() + "/" + System.currentTimeMillis()));
  }
}
