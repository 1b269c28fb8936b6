package dev.switchboard.core.permission;

import dev.switchboard.core.event.EventKind;
import dev.switchboard.core.event.MatrixEvent;

/**
 * Told when dispatch keeps an event from a connector, so the sender can learn why: a {@link Level#NONE} user's
 * event is kept from every connector, and content a connector cannot carry (a reaction to SIP) from that one.
 */
@FunctionalInterface
public interface Refusals {
  Refusals NONE = event -> {};

  /** {@code event} was not bridged because its sender may not use the bridge; must return quickly. */
  void refused(MatrixEvent event);

  /** {@code event}, of {@code kind}, was not sent to {@code protocol}, whose connector has no handler for it. */
  default void unsupported(MatrixEvent event, EventKind kind, String protocol) {}
}
