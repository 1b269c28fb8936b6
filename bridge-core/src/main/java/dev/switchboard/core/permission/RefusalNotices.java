package dev.switchboard.core.permission;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.event.EventKind;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.notice.NoticeThrottle;
import dev.switchboard.core.notice.RoomVoice;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a {@link Level#NONE} user why the bridge ignores them: a message in a bridged room gets one notice from the
 * bot per room and user a day (more would let anyone make the bot spam a room), and an invite to a ghost is
 * rejected by that ghost, so the DM does not wait for an answer that never comes. Content a connector cannot carry
 * (a reaction to a phone) gets one notice per room, user, network and kind a day, the same for every connector; an
 * encrypted message, which no network can be given while the bridge cannot decrypt, one per room and user a day.
 * Notices come from whoever of ours is in the room ({@link RoomVoice}): the bot, or in a DM the ghost.
 */
public final class RefusalNotices implements Refusals {
  private static final Logger log = LoggerFactory.getLogger(RefusalNotices.class);
  private static final Duration QUIET = Duration.ofDays(1);

  private final Intents intents;
  private final RoomVoice voice;
  private final Predicate<UserId> isGhost;
  private final NoticeThrottle throttle;

  public RefusalNotices(Intents intents, RoomVoice voice, Predicate<UserId> isGhost, Clock clock) {
    this.intents = intents;
    this.voice = voice;
    this.isGhost = isGhost;
    this.throttle = new NoticeThrottle(QUIET, clock);
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
    if (!throttle.allow(event.roomId().value() + " " + event.sender().value())) {
      return;
    }
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice")
        .put("body", event.sender().value() + ": your messages are not bridged: this bridge's permissions do not "
            + "allow " + event.sender().server() + " users (or you) to use it. Ask the bridge's admin if that is wrong.");
    notice(event, content, "refused:");
  }

  @Override
  public void unsupported(MatrixEvent event, EventKind kind, String protocol) {
    log.debug("Not bridging {} from {} in {} to {}: the connector has no handler for {}", event.type(),
        event.sender(), event.roomId(), protocol, kind);
    // Nobody can read an encrypted message, whatever the network: one notice for the room's links together.
    boolean encrypted = kind == EventKind.ENCRYPTED;
    if (!kind.isContent() || !throttle.allow(event.roomId().value() + " " + event.sender().value() + " "
        + (encrypted ? "" : protocol + " ") + kind)) {
      return;
    }
    String body = encrypted
        ? "this message is encrypted, and this bridge cannot read encrypted messages yet, so nobody on the other "
            + "side of the bridge saw it. Encryption cannot be turned off in a room: to talk across the bridge, use a "
            + "new room without encryption."
        : kind.plural() + " are not bridged to " + protocol.toUpperCase(Locale.ROOT)
            + ", so the people there did not see this one.";
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice")
        .put("body", event.sender().value() + ": " + body);
    notice(event, content, encrypted ? "encrypted:" : "unsupported:" + protocol + ":");
  }

  private void notice(MatrixEvent event, ObjectNode content, String txnPrefix) {
    voice.in(event.roomId())
        .thenCompose(speaker -> speaker.sendMessage(event.roomId(), content, txnPrefix + event.eventId().value()))
        .whenComplete((ok, err) -> {
          if (err != null) {
            log.debug("Could not tell {} in {} why their event was not bridged: {}", event.sender(), event.roomId(),
                err.toString());
          }
        });
  }
}
