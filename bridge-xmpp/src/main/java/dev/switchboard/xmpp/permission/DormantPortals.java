package dev.switchboard.xmpp.permission;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.notice.NoticeThrottle;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.xmpp.muc.MucBridge;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matrix events in a dormant MUC portal (see muc.DormantMucs): an event of someone at level {@code user} or above
 * (their join, or a message) wakes it, and goes on once the bridge is in the MUC; a relay user's message is answered
 * with a notice saying why it was not sent (at most every ten minutes per user and room); anything else is dropped.
 */
public final class DormantPortals {
  private static final Logger log = LoggerFactory.getLogger(DormantPortals.class);
  private static final Duration TELL_EVERY = Duration.ofMinutes(10);

  private final ConnectorContext context;
  private final MucBridge mucs;
  private final NoticeThrottle told;

  public DormantPortals(ConnectorContext context, MucBridge mucs) {
    this.context = context;
    this.mucs = mucs;
    this.told = new NoticeThrottle(TELL_EVERY, context.clock());
  }

  /** Whether {@code link} is a dormant MUC portal, whose events go to {@link #onEvent}. */
  public boolean isDormant(Link link) {
    return mucs.isDormant(link);
  }

  /** An event in a dormant portal from a user bridged {@code as}; {@code then} handles it as usual once woken. */
  public CompletableFuture<Void> onEvent(MatrixEvent event, Link link, Permissions.Bridging as,
      Supplier<CompletableFuture<Void>> then) {
    if (as == Permissions.Bridging.PUPPET) {
      return mucs.wake(link).thenComposeAsync(v -> then.get(), context.blockingExecutor());
    }
    if (as == Permissions.Bridging.RELAY && "m.room.message".equals(event.type())) {
      return tell(event, link);
    }
    return CompletableFuture.completedFuture(null);
  }

  private CompletableFuture<Void> tell(MatrixEvent event, Link link) {
    if (!told.allow(event.sender().value() + " " + event.roomId().value())) {
      return CompletableFuture.completedFuture(null);
    }
    log.info("Not relaying {}'s message in {}: the portal for {} waits for a user", event.sender(), event.roomId(),
        link.remoteId());
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice")
        .put("body", event.sender().value() + ": your message was not sent to XMPP: nobody at permission level user "
            + "has joined this room yet, so the bridge is not in " + link.remoteId() + ".");
    content.putObject("m.mentions").putArray("user_ids").add(event.sender().value());
    return context.intents().bot().sendMessage(event.roomId(), content, "xmpp/dormant/" + event.eventId().value())
        .handle((v, e) -> null);
  }
}
