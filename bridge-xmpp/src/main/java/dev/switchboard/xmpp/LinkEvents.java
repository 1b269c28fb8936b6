package dev.switchboard.xmpp;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixReaction;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import java.util.concurrent.CompletableFuture;

/**
 * One part of the connector (MUC portals, gateway rooms, direct chats, relay lines) taking the Matrix events of the
 * links it serves, already sorted by the core. {@link XmppConnector} picks the part once per event (by link and by
 * the sender's permission level); a kind a part does not bridge is accepted quietly, as it always was.
 */
public interface LinkEvents {
  default CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return CompletableFuture.completedFuture(null);
  }

  default CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return CompletableFuture.completedFuture(null);
  }

  default CompletableFuture<Void> onReaction(MatrixReaction reaction, Link link) {
    return CompletableFuture.completedFuture(null);
  }

  default CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    return CompletableFuture.completedFuture(null);
  }

  default CompletableFuture<Void> onMembership(MembershipChange change, Link link) {
    return CompletableFuture.completedFuture(null);
  }

  default CompletableFuture<Void> onRoomState(RoomStateChange change, Link link) {
    return CompletableFuture.completedFuture(null);
  }
}
