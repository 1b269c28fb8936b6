package dev.switchboard.xmpp.permission;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import dev.switchboard.xmpp.address.XmppGhostIds;
import java.util.concurrent.CompletableFuture;
import org.jxmpp.jid.Jid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A direct chat with an XMPP user needs the Matrix user's own address on XMPP, so only {@code user} and
 * {@code admin} may open one. A {@code relay} user who invites an XMPP address's ghost gets a notice from that
 * ghost saying why, and the ghost leaves: a silent rejection would leave them waiting for an answer that never
 * comes. ({@code none} users' invites never get here: core rejects them.)
 */
public final class DirectChatRefusals {
  private static final Logger log = LoggerFactory.getLogger(DirectChatRefusals.class);

  private final ConnectorContext context;
  private final XmppGhostIds ghostIds;

  public DirectChatRefusals(ConnectorContext context, XmppGhostIds ghostIds) {
    this.context = context;
    this.ghostIds = ghostIds;
  }

  /** Membership outside any link from a user who may not puppet: an invite of a ghost is answered and declined. */
  public CompletableFuture<Void> refuse(MembershipChange change) {
    if (!"invite".equals(change.membership())) {
      return CompletableFuture.completedFuture(null);
    }
    MatrixEvent event = change.event();
    UserId ghost = change.subject();
    if (ghostIds.jidOf(ghost).filter(Jid::hasNoResource).isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    Level level = context.permissions().levelOf(event.sender());
    log.info("Declining {}'s invite of {} in {}: permission level {} may not open direct chats", event.sender(),
        ghost, event.roomId(), level);
    ObjectNode notice = JsonNodeFactory.instance.objectNode().put("msgtype", "m.notice")
        .put("body", event.sender().value() + ": you cannot chat with XMPP users through this bridge: your "
            + "permission level is " + level.name().toLowerCase(java.util.Locale.ROOT) + ", and direct chats need "
            + "level user. Ask the bridge's admin if that is wrong.");
    Intent intent = context.intents().ghost(ghost);
    // Answered, not awaited: the notice is a courtesy, and the inbox entry must not wait on it or fail with it.
    intent.ensureJoined(event.roomId())
        .thenCompose(v -> intent.sendMessage(event.roomId(), notice, "xmpp-dm-refused|" + event.eventId().value()))
        .thenCompose(sent -> intent.leave(event.roomId()))
        .whenComplete((v, err) -> {
          if (err != null) {
            log.info("Could not decline {}'s invite of {} in {}: {}", event.sender(), ghost, event.roomId(),
                err.toString());
          }
        });
    return CompletableFuture.completedFuture(null);
  }
}
