package dev.switchboard.irc.message;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.irc.network.DeliveryRefused;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a Matrix user, in the room, that IRC refused their message (their connection may not join the channel, or
 * the server refused the line): once per refusal episode, not once per line, and again after {@link #REMIND_AFTER}
 * if they keep talking into a closed channel. The event then counts as handled: it is not retried (the user was
 * told; a repeat would be refused the same way), so the room's other events go on (DESIGN.md, "Data flow and
 * guarantees" 4).
 */
public final class RefusalNotices {
  private static final Logger log = LoggerFactory.getLogger(RefusalNotices.class);

  /** How long one notice covers an ongoing refusal. */
  static final Duration REMIND_AFTER = Duration.ofMinutes(10);

  private record Told(long episode, long at) {}

  private final Intent bot;
  private final LongSupplier nanoTime;
  /** "user room target" → the last notice; entries older than {@link #REMIND_AFTER} are dropped as we go. */
  private final Map<String, Told> told = new ConcurrentHashMap<>();

  public RefusalNotices(Intent bot, LongSupplier nanoTime) {
    this.bot = bot;
    this.nanoTime = nanoTime;
  }

  /** The user's event ends here: tells them (unless this refusal was told already) and completes normally. */
  public CompletableFuture<Void> refused(MatrixEvent event, DeliveryRefused refusal) {
    String key = event.sender().value() + " " + event.roomId().value() + " " + refusal.target().toLowerCase(
        java.util.Locale.ROOT);
    long now = nanoTime.getAsLong();
    Told before = told.get(key);
    boolean sameEpisode = before != null && refusal.episode() != 0 && before.episode() == refusal.episode();
    if (sameEpisode && now - before.at() < REMIND_AFTER.toNanos()) {
      log.debug("IRC: {} in {} still refused ({})", event.eventId(), event.roomId(), refusal.getMessage());
      return CompletableFuture.completedFuture(null);
    }
    told.values().removeIf(t -> now - t.at() >= REMIND_AFTER.toNanos());
    told.put(key, new Told(refusal.episode(), now));
    log.info("IRC: {} from {} in {} not delivered: {}", event.eventId(), event.sender(), event.roomId(),
        refusal.getMessage());
    String body = event.sender().value() + ": your message was not delivered to " + refusal.target() + ": "
        + refusal.describe() + (refusal.stage() == DeliveryRefused.Stage.JOIN
            ? ". Your next message here tries again." : ".");
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice").put("body", body);
    content.putObject("m.mentions").putArray("user_ids").add(event.sender().value());
    return bot.sendMessage(event.roomId(), content, "irc/refused/" + event.eventId().value())
        .handle((v, e) -> {
          if (e != null) {
            log.warn("IRC: could not tell {} in {} that their message was refused: {}", event.sender(),
                event.roomId(), e.toString());
          }
          return null;
        });
  }
}
