package dev.switchboard.testkit.homeserver.presence;

import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.state.Requester;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Presence per user. As in Synapse, a user sets only their own (an application service does so for its ghosts through
 * identity assertion), and a status message is replaced by each update: an update without one clears it.
 */
public final class PresenceService {
  private static final Set<String> STATES = Set.of("online", "unavailable", "offline");

  private final ServerState state;
  private final Clock clock;
  private final Map<String, Presence> presence = new ConcurrentHashMap<>();

  public PresenceService(ServerState state, Clock clock) {
    this.state = state;
    this.clock = clock;
  }

  public void set(Requester requester, String userId, String newState, String statusMsg) {
    if (!requester.userId().equals(userId)) {
      throw MatrixException.forbidden("Can only set your own presence state");
    }
    if (newState == null || !STATES.contains(newState)) {
      throw MatrixException.invalidParam("presence must be one of " + STATES.stream().sorted().toList());
    }
    presence.put(userId, new Presence(newState, statusMsg, clock.millis()));
    state.signalChange();
  }

  /** The user's presence; a registered user who never set one is {@code offline}. */
  public Presence get(String userId) {
    Presence p = presence.get(userId);
    if (p != null) {
      return p;
    }
    if (!state.locked(() -> state.account(userId) != null)) {
      throw MatrixException.notFound("No presence state for " + userId);
    }
    return new Presence("offline", null, 0);
  }

  /** What the user last set, if anything (tests). */
  public Optional<Presence> lastSet(String userId) {
    return Optional.ofNullable(presence.get(userId));
  }
}
