package dev.switchboard.core.inbox;

import dev.switchboard.core.connector.CallHandling;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.EditHandling;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.MembershipHandling;
import dev.switchboard.core.connector.MessageHandling;
import dev.switchboard.core.connector.ReactionHandling;
import dev.switchboard.core.connector.RedactionHandling;
import dev.switchboard.core.connector.RoomStateHandling;
import dev.switchboard.core.event.EventKind;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.core.permission.Refusals;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Sorts a Matrix event into its {@link EventKind}, once, and calls the connector's handler for that kind. The
 * dispatcher has already found the link and kept back echoes and {@code none} users; a kind of content the
 * connector has no handler for is reported to the sender through {@link Refusals#unsupported}, the same way for
 * every connector, and other kinds it does not handle (room settings, encrypted events) are accepted quietly.
 */
final class EventRouter {
  private final Refusals refusals;

  EventRouter(Refusals refusals) {
    this.refusals = refusals;
  }

  /** Delivers {@code event} to {@code connector}; {@code link} is empty for membership aimed at one of its ghosts. */
  CompletableFuture<Void> deliver(Connector connector, MatrixEvent event, Optional<Link> link) {
    if (!isTyped(connector)) {
      return connector.onMatrixEvent(event, link);
    }
    EventKind kind = EventKind.of(event);
    if (kind == EventKind.MEMBERSHIP) {
      Optional<MembershipChange> change = EventKind.membership(event);
      return connector instanceof MembershipHandling m && change.isPresent() ? m.onMembership(change.get(), link)
          : done();
    }
    if (link.isEmpty()) {
      return done(); // only membership reaches a connector outside its links
    }
    Link l = link.get();
    switch (kind) {
      case MESSAGE:
        if (connector instanceof MessageHandling h) {
          return h.onMessage(EventKind.message(event), l);
        }
        break;
      case EDIT:
        if (connector instanceof EditHandling h) {
          return h.onEdit(EventKind.edit(event), l);
        }
        break;
      case REACTION:
        if (connector instanceof ReactionHandling h) {
          return h.onReaction(EventKind.reaction(event), l);
        }
        break;
      case REDACTION:
        if (connector instanceof RedactionHandling h) {
          return h.onRedaction(EventKind.redaction(event), l);
        }
        break;
      case CALL:
        if (connector instanceof CallHandling h) {
          return h.onCall(EventKind.call(event), l);
        }
        break;
      case ROOM_STATE:
        if (connector instanceof RoomStateHandling h) {
          return h.onRoomState(new RoomStateChange(event), l);
        }
        return done();
      default:
        return done();
    }
    refusals.unsupported(event, kind, connector.protocol());
    return done();
  }

  /** Whether the connector takes sorted events; one that implements none of the handlers gets the raw event. */
  static boolean isTyped(Connector c) {
    return c instanceof MessageHandling || c instanceof EditHandling || c instanceof ReactionHandling
        || c instanceof RedactionHandling || c instanceof MembershipHandling || c instanceof RoomStateHandling
        || c instanceof CallHandling;
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
