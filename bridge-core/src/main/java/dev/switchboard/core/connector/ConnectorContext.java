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

/**
 * What core hands a connector: intents, store, scheduling, permissions and the message map. Its config section it
 * parses itself, once, when it is built ({@link dev.switchboard.core.config.ConfigSection}).
 */
public interface ConnectorContext {

  /** The homeserver's server name, e.g. {@code example.org}. */
  String serverName();

  Intents intents();

  Database database();

  /** Encrypts login secrets at rest, e.g. {@code new LoginStore(database(), secrets(), clock())}. */
  SecretBox secrets();

  /** Portals and links; create and change them only through this, so dispatch sees the change at once. */
  Portals portals();

  /**
   * Which Matrix event is which remote message. The bridge has one, shared by all connectors so their records share
   * commits; the default (test contexts) is a new map over {@link #database()} at each call: call it once and keep it.
   */
  default MessageMap messageMap() {
    return new StoredMessageMap(new MessageMapStore(database(), clock()), blockingExecutor());
  }

  /** For timers; tasks must be short and never block. */
  ScheduledExecutorService scheduler();

  /** For blocking work (JDBC, file I/O). Bounded. */
  Executor blockingExecutor();

  Clock clock();

  /**
   * Where the connector records its metrics (connections by state, messages each way, reconnects), scraped at
   * {@code /metrics}. Name meters {@code switchboard.<protocol>.<what>}; never tag by raw user, room or channel ids.
   * The default records nothing, for test contexts.
   */
  default MeterRegistry metrics() {
    return new CompositeMeterRegistry();
  }

  /**
   * This connector's meters on {@link #metrics()}: {@code switchboard.<protocol>.*} tagged with the protocol. Call it
   * once at start and keep the result. Core already counts the messages the connector's ghosts post to Matrix
   * ({@code direction=to_matrix}); the connector counts what it delivered to its network ({@code to_remote}).
   */
  default ConnectorMeters meters(String protocol) {
    return new ConnectorMeters(metrics(), protocol);
  }

  /**
   * Who may use the bridge. Core already keeps {@link dev.switchboard.core.permission.Level#NONE} users' events from
   * connectors; a connector checks {@link Permissions#bridgingOf} on every path that acts for a Matrix user (a
   * puppet, a DM, a call, a portal or plumb it creates) and relays {@code relay} users through its own identity in
   * {@link Permissions#relay()}'s format. The default is the defaults for {@link #serverName()} (test contexts).
   */
  default Permissions permissions() {
    return Permissions.defaults(serverName());
  }

  /**
   * Links remote users can open for Matrix files (the bridge's media endpoint). The default links to the homeserver's
   * unauthenticated download path at {@code https://<server name>} (test contexts).
   */
  default MediaLinks mediaLinks() {
    return MediaLinks.homeserverDownload("https://" + serverName());
  }

  /** Which users are other connectors' ghosts, for hub rooms; the default knows none (test contexts). */
  default ForeignGhosts foreignGhosts() {
    return ForeignGhosts.NONE;
  }
}
