package dev.switchboard.core.permission;

import dev.switchboard.core.event.MatrixEvent;

/** Told when dispatch keeps a {@link Level#NONE} user's event from every connector, so the user can learn why. */
@FunctionalInterface
public interface Refusals {
  Refusals NONE = event -> {};

  /** {@code event} was not bridged because its sender may not use the bridge; must return quickly. */
  void refused(MatrixEvent event);
}
