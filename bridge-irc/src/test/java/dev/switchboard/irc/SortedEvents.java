package dev.switchboard.irc;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.EventKind;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.RoomStateChange;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Hands a Matrix event to the IRC connector's handler for its kind, as the core's dispatcher does, for tests that
 * feed the connector events without a homeserver.
 */
public final class SortedEvents {
  private SortedEvents() {}

  public static CompletableFuture<Void> deliver(IrcConnector connector, MatrixEvent event, Optional<Link> link) {
    EventKind kind = EventKind.of(event);
    if (link.isEmpty()) {
      return kind == EventKind.MEMBERSHIP ? EventKind.membership(event)
          .map(change -> connector.onMembership(change, link)).orElseGet(SortedEvents::done) : done();
    }
    return switch (kind) {
      case MESSAGE -> connector.onMessage(EventKind.message(event), link.get());
      case EDIT -> connector.onEdit(EventKind.edit(event), link.get());
      case REACTION -> connector.onReaction(EventKind.reaction(event), link.get());
      case REDACTION -> connector.onRedaction(EventKind.redaction(event), link.get());
      case MEMBERSHIP -> EventKind.membership(event).map(change -> connector.onMembership(change, link))
          .orElseGet(SortedEvents::done);
      case ROOM_STATE -> connector.onRoomState(new RoomStateChange(event), link.get());
      case CALL, ENCRYPTED, OTHER -> done();
    };
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
