package dev.switchboard.irc.message;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.notice.NoticeThrottle;
import dev.switchboard.irc.network.DeliveryRefused;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a Matrix user, in the room, that IRC refused their message (their connection may not join the channel, or
 * the server refused the line): once per refusal episode, not once per line, and again after {@link #REMIND_AFTER}
 * if they keep talking into a closed channel. The event then counts as handled: it is not retried (the user was
 * told; a repeat would be refused the same way), so the room's other events go on (DESIGN.md, "Data flow and
 * guarantees" 4).
 */
public final class DeliveryNotices {
  private static final Logger log = LoggerFactory.getLogger(DeliveryNotices.class);

  /** How long one notice covers an ongoing refusal. */
  static final Duration REMIND_AFTER = Duration.ofMinutes(10);

  private final Intent bot;
  /** Keyed "user room target", by refusal episode. */
  private final NoticeThrottle told;

  public DeliveryNotices(Intent bot, InstantSource clock) {
    this.bot = bot;
    this.told = new NoticeThrottle(REMIND_AFTER, clock);
  }

  /** The user's event ends here: tells them (unless this refusal was told already) and completes normally. */
  public CompletableFuture<Void> refused(MatrixEvent event, DeliveryRefused refusal) {
    String hint = refusal.stage() == DeliveryRefused.Stage.LINE ? "." : ". Your next message here tries again.";
    return tell(event.sender(), event.roomId(), refusal,
        event.sender().value() + ": your message was not delivered to " + refusal.target() + ": "
            + refusal.describe() + hint, "irc/refused/" + event.eventId().value());
  }

  /**
   * The server refused a line after it was written (404 on a connection without {@code echo-message}): its event is
   * long done, but the user should still know.
   *
   * @param txnKey unique for this refusal (the notice is sent once under it)
   */
  public CompletableFuture<Void> refusedAfterWrite(UserId user, RoomId room, DeliveryRefused refusal,
      String txnKey) {
    return tell(user, room, refusal, user.value() + ": a message of yours did not reach " + refusal.target() + ": "
        + refusal.describe() + ".", txnKey);
  }

  private CompletableFuture<Void> tell(UserId user, RoomId room, DeliveryRefused refusal, String body,
      String txnKey) {
    String key = user.value() + " " + room.value() + " " + refusal.target().toLowerCase(java.util.Locale.ROOT);
    if (!told.allow(key, refusal.episode())) {
      log.debug("IRC: {} in {} still refused ({})", user, room, refusal.getMessage());
      return CompletableFuture.completedFuture(null);
    }
    log.info("IRC: a message from {} in {} was not delivered: {}", user, room, refusal.getMessage());
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice").put("body", body);
    content.putObject("m.mentions").putArray("user_ids").add(user.value());
    return bot.sendMessage(room, content, txnKey).handle((v, e) -> {
      if (e != null) {
        log.warn("IRC: could not tell {} in {} that their message was refused: {}", user, room, e.toString());
      }
      return null;
    });
  }
}
