package dev.switchboard.core.connector;

import dev.switchboard.core.id.UserId;
import java.util.Optional;

/**
 * Which Matrix users are ghosts of which connector. In a hub room (several links) a connector meets the ghosts of
 * other connectors as Matrix users: an IRC ghost speaking in a room linked to a MUC is, for the XMPP connector, a
 * Matrix user to give an occupant. This tells it that the user stands for someone on another network, so it can show
 * that network in the name ({@link HubSettings}).
 */
@FunctionalInterface
public interface ForeignGhosts {
  /** Knows no ghosts (contexts for tests of one connector). */
  ForeignGhosts NONE = user -> Optional.empty();

  /** The protocol of the connector whose ghost {@code user} is (e.g. {@code irc}), or empty for a real user. */
  Optional<String> networkOf(UserId user);
}
