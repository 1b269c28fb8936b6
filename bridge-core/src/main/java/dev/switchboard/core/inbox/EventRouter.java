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
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.core.permission.Refusals;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Sorts a Matrix event into its {@link EventKind}, once, and calls the connector's handler for that kind. The
 * dispatcher has already found the link and kept back echoes and {@code none} users; a kind of content the
 * connector has no handler for is reported to the sender through {@link Refusals#unsupported}, the same way for
 * every connector, and other kinds it does not handle (room settings, encrypted events) are accepted quietly.
 */
final class EventRouter {
  /** One kind's handler interface and how to call it. */
  private record Route<H>(EventKind kind, Class<H> type, Call<H> call) {
    CompletableFuture<Void> deliver(Connector connector, MatrixEvent event, Optional<Link> link) {
      return call.call(type.cast(connector), event, link);
    }
  }

  @FunctionalInterface
  private interface Call<H> {
    CompletableFuture<Void> call(H handler, MatrixEvent event, Optional<Link> link);
  }

  private static final Map<EventKind, Route<?>> ROUTES = byKind(
      new Route<>(EventKind.MESSAGE, MessageHandling.class,
          (h, e, l) -> h.onMessage(EventKind.message(e), l.orElseThrow())),
      new Route<>(EventKind.EDIT, EditHandling.class, (h, e, l) -> h.onEdit(EventKind.edit(e), l.orElseThrow())),
      new Route<>(EventKind.REACTION, ReactionHandling.class,
          (h, e, l) -> h.onReaction(EventKind.reaction(e), l.orElseThrow())),
      new Route<>(EventKind.REDACTION, RedactionHandling.class,
          (h, e, l) -> h.onRedaction(EventKind.redaction(e), l.orElseThrow())),
      new Route<>(EventKind.CALL, CallHandling.class, (h, e, l) -> h.onCall(EventKind.call(e), l.orElseThrow())),
      new Route<>(EventKind.ROOM_STATE, RoomStateHandling.class,
          (h, e, l) -> h.onRoomState(new RoomStateChange(e), l.orElseThrow())),
      new Route<>(EventKind.MEMBERSHIP, MembershipHandling.class,
          (h, e, l) -> EventKind.membership(e).map(change -> h.onMembership(change, l)).orElseGet(EventRouter::done)));

  private final Refusals refusals;

  EventRouter(Refusals refusals) {
    this.refusals = refusals;
  }

  /** Delivers {@code event} to {@code connector}; {@code link} is empty for membership aimed at one of its ghosts. */
  CompletableFuture<Void> deliver(Connector connector, MatrixEvent event, Optional<Link> link) {
    EventKind kind = EventKind.of(event);
    if (link.isEmpty() && kind != EventKind.MEMBERSHIP) {
      return done(); // only membership reaches a connector outside its links
    }
    Route<?> route = ROUTES.get(kind);
    if (route != null && route.type().isInstance(connector)) {
      return route.deliver(connector, event, link);
    }
    if (kind.isContent()) {
      refusals.unsupported(event, kind, connector.protocol());
    }
    return done();
  }

  private static Map<EventKind, Route<?>> byKind(Route<?>... routes) {
    Map<EventKind, Route<?>> map = new EnumMap<>(EventKind.class);
    for (Route<?> r : routes) {
      map.put(r.kind(), r);
    }
    return Map.copyOf(map);
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }
}
