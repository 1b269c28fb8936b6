package dev.switchboard.core.permission;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.UserId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a {@link Level#NONE} user why the bridge ignores them: a message in a bridged room gets one notice from the
 * bot per room and user a day (more would let anyone make the bot spam a room), and an invite to a ghost is
 * rejected by that ghost, so the DM does not wait for an answer that never comes.
 */
public final class RefusalNotices implements Refusals {
  private static final Logger log = LoggerFactory.getLogger(RefusalNotices.class);
  private static final Duration QUIET = Duration.ofDays(1);
  /** Bounds the memory an attacker with many user ids can make us keep; old entries are dropped first. */
  private static final int MAX_REMEMBERED = 10_000;

  private final Intents intents;
  private final Predicate<UserId> isGhost;
  private final Clock clock;
  private final Map<String, Instant> lastNotice = new ConcurrentHashMap<>();

  public RefusalNotices(Intents intents, Predicate<UserId> isGhost, Clock clock) {
    this.intents = intents;
    this.isGhost = isGhost;
    this.clock = clock;
  }

  @Override
  public void refused(MatrixEvent event) {
    log.debug("Not bridging {} from {} in {}: permission level none", event.type(), event.sender(), event.roomId());
    if (event.membership().filter("invite"::equals).isPresent() && event.stateKey().isPresent()) {
      UserId invited;
      try {
        invited = UserId.of(event.stateKey().get());
      } catch (IllegalArgumentException e) {
        return;
      }
      if (isGhost.test(invited)) {
        intents.ghost(invited).leave(event.roomId()).whenComplete((ok, err) -> {
          if (err != null) {
            log.debug("Could not reject the invite of {} by {}: {}", invited, event.sender(), err.toString());
          }
        });
      }
      return;
    }
    if (!"m.room.message".equals(event.type()) && !"m.sticker".equals(event.type())) {
      return;
    }
    Instant now = clock.instant();
    String key = event.roomId().value() + " " + event.sender().value();
    Instant last = lastNotice.get(key);
    if (last != null && last.plus(QUIET).isAfter(now)) {
      return;
    }
    if (lastNotice.size() >= MAX_REMEMBERED) {
      lastNotice.entrySet().removeIf(e -> e.getValue().plus(QUIET).isBefore(now));
      if (lastNotice.size() >= MAX_REMEMBERED) {
        return; // under a flood of new ids: stay quiet rather than grow
      }
    }
    lastNotice.put(key, now);
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice")
        .put("body", event.sender().value() + ": your messages are not bridged: this bridge's permissions do not "
            + "allow " + event.sender().server() + " users (or you) to use it. Ask the bridge's admin if that is wrong.");
    intents.bot().sendMessage(event.roomId(), content, "refused:" + event.eventId().value())
        .whenComplete((ok, err) -> {
          if (err != null) {
            log.debug("Could not tell {} in {} that they are not bridged: {}", event.sender(), event.roomId(),
                err.toString());
          }
        });
  }
}
