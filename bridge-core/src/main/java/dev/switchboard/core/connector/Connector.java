package dev.switchboard.core.connector;

import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.registration.Namespaces;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A network connector: owns one protocol's connections, identifiers and rules. Optional abilities are separate
 * interfaces ({@link ThirdPartyCapable}, ...), checked with {@code instanceof}.
 */
public interface Connector {

  /** The protocol id, e.g. {@code irc}; also the key of its config section. */
  String protocol();

  /** The ghost and alias namespaces this connector claims; they go into the registration. */
  Namespaces namespaces();

  /** Starts connections; called once, after the store is migrated and before transactions are dispatched. */
  void start(ConnectorContext context) throws Exception;

  /** Stops connections; must not throw. */
  void stop();

  /**
   * What a connector can take from Matrix is said by the handler interfaces it implements ({@link MessageHandling},
   * {@link EditHandling}, {@link ReactionHandling}, {@link RedactionHandling}, {@link MembershipHandling},
   * {@link RoomStateHandling}, {@link CallHandling}, {@link EphemeralCapable}); the core sorts each event once and
   * calls the one for its kind. For all of them: the event is done when the returned future completes. Fail it with
   * {@link RemoteUnavailableException} while the remote side is down: the dispatcher then holds this link's events
   * and retries with backoff, never dropping them; any other failure is retried a few times and then dropped for this
   * link. Events run again after a crash, so handlers must tolerate a repeat. Handlers are called on one of a few
   * dispatch threads: return quickly and run blocking work (JDBC, network) on
   * {@link ConnectorContext#blockingExecutor()} or the connector's own threads.
   *
   * <p>This method is the unsorted form, called only for a connector that implements none of the handlers.
   */
  default CompletableFuture<Void> onMatrixEvent(MatrixEvent event, Optional<Link> link) {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * The homeserver asks whether an alias in our namespace exists. Answer as soon as the Matrix room exists (the
   * user's join waits on this); slow remote work continues in the background. Empty means "no such room".
   */
  default CompletableFuture<Optional<RoomId>> onAliasQuery(RoomAlias alias) {
    return CompletableFuture.completedFuture(Optional.empty());
  }

  /** The homeserver asks whether a user id in our namespace exists; true after the ghost is registered. */
  default CompletableFuture<Boolean> onUserQuery(UserId userId) {
    return CompletableFuture.completedFuture(false);
  }

  /** Current health, for logs, {@code /health} and {@code !status}. */
  default ConnectorState state() {
    return ConnectorState.RUNNING;
  }
}
