package dev.switchboard.xmpp.muc;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixReaction;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.xmpp.LinkEvents;
import java.util.concurrent.CompletableFuture;

/**
 * Matrix users' own events in MUC portals (permission level user and up): reactions, and redactions of reactions,
 * belong to {@link MucInteractions}; messages, edits, other redactions, membership and topics to {@link MucBridge}.
 */
public final class MucPuppets implements LinkEvents {
  private final MucBridge mucs;
  private final MucInteractions interactions;

  public MucPuppets(MucBridge mucs, MucInteractions interactions) {
    this.mucs = mucs;
    this.interactions = interactions;
  }

  @Override
  public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return mucs.onMessage(message, link);
  }

  @Override
  public CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return mucs.onEdit(edit, link);
  }

  @Override
  public CompletableFuture<Void> onReaction(MatrixReaction reaction, Link link) {
    return interactions.onReaction(reaction, link);
  }

  @Override
  public CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    return interactions.takes(redaction) ? interactions.onRedaction(redaction, link)
        : mucs.onRedaction(redaction, link);
  }

  @Override
  public CompletableFuture<Void> onMembership(MembershipChange change, Link link) {
    return mucs.onMembership(change, link);
  }

  @Override
  public CompletableFuture<Void> onRoomState(RoomStateChange change, Link link) {
    return mucs.onRoomState(change, link);
  }
}
