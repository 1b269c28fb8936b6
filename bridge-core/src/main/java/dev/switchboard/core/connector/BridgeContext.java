package dev.switchboard.core.connector;

import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.media.MediaLinks;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.core.store.StoredMessageMap;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** The {@link ConnectorContext} core builds for each connector. */
public record BridgeContext(
    String serverName,
    Intents intents,
    Database database,
    SecretBox secrets,
    Portals portals,
    ScheduledExecutorService scheduler,
    Executor blockingExecutor,
    Clock clock,
    MeterRegistry metrics,
    ForeignGhosts foreignGhosts,
    Permissions permissions,
    MessageMap messageMap,
    MediaLinks mediaLinks) implements ConnectorContext {

  /** A context whose media links point at the homeserver's download path (no media endpoint; tests). */
  public BridgeContext(String serverName, Intents intents, Database database, SecretBox secrets,
      Portals portals, ScheduledExecutorService scheduler, Executor blockingExecutor, Clock clock,
      MeterRegistry metrics, ForeignGhosts foreignGhosts, Permissions permissions, MessageMap messageMap) {
    this(serverName, intents, database, secrets, portals, scheduler, blockingExecutor, clock, metrics,
        foreignGhosts, permissions, messageMap, MediaLinks.homeserverDownload("https://" + serverName));
  }

  /** A context with its own message map over {@code database} (one connector alone, e.g. in tests). */
  public BridgeContext(String serverName, Intents intents, Database database, SecretBox secrets,
      Portals portals, ScheduledExecutorService scheduler, Executor blockingExecutor, Clock clock,
      MeterRegistry metrics, ForeignGhosts foreignGhosts, Permissions permissions) {
    this(serverName, intents, database, secrets, portals, scheduler, blockingExecutor, clock, metrics,
        foreignGhosts, permissions, new StoredMessageMap(new MessageMapStore(database, clock), blockingExecutor));
  }

  /** A context with the default permissions (the own domain is {@code user}, others {@code none}). */
  public BridgeContext(String serverName, Intents intents, Database database, SecretBox secrets,
      Portals portals, ScheduledExecutorService scheduler, Executor blockingExecutor, Clock clock,
      MeterRegistry metrics, ForeignGhosts foreignGhosts) {
    this(serverName, intents, database, secrets, portals, scheduler, blockingExecutor, clock, metrics,
        foreignGhosts, Permissions.defaults(serverName));
  }

  /** A context that knows no other connectors' ghosts (one connector alone). */
  public BridgeContext(String serverName, Intents intents, Database database, SecretBox secrets,
      Portals portals, ScheduledExecutorService scheduler, Executor blockingExecutor, Clock clock,
      MeterRegistry metrics) {
    this(serverName, intents, database, secrets, portals, scheduler, blockingExecutor, clock, metrics,
        ForeignGhosts.NONE);
  }

  /** A context whose metrics go nowhere (tests). */
  public BridgeContext(String serverName, Intents intents, Database database, SecretBox secrets,
      Portals portals, ScheduledExecutorService scheduler, Executor blockingExecutor, Clock clock) {
    this(serverName, intents, database, secrets, portals, scheduler, blockingExecutor, clock,
        new CompositeMeterRegistry());
  }
}
