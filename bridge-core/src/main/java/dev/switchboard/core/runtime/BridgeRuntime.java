package dev.switchboard.core.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.appservice.AppServiceServer;
import dev.switchboard.core.command.AdminRooms;
import dev.switchboard.core.command.BuiltinCommands;
import dev.switchboard.core.command.CommandCapable;
import dev.switchboard.core.command.CommandDispatcher;
import dev.switchboard.core.command.LinkCommands;
import dev.switchboard.core.encryption.EncryptedRooms;
import dev.switchboard.core.notice.RoomVoice;
import dev.switchboard.core.store.EncryptedRoomStore;
import dev.switchboard.core.store.GhostStore;
import dev.switchboard.core.command.CommandRegistry;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.http.ListenerLimits;
import dev.switchboard.core.health.BridgeLifecycle;
import dev.switchboard.core.health.BridgeState;
import dev.switchboard.core.health.HealthCheck;
import dev.switchboard.core.metrics.CoreMetrics;
import dev.switchboard.core.metrics.MetricsServer;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.permission.RefusalNotices;
import dev.switchboard.core.provisioning.CallerAuthentication;
import dev.switchboard.core.provisioning.OpenIdVerifier;
import dev.switchboard.core.provisioning.ProvisioningApi;
import dev.switchboard.core.provisioning.ProvisioningConfig;
import dev.switchboard.core.provisioning.ProvisioningServer;
import dev.switchboard.core.store.LoginStore;
import io.micrometer.core.instrument.MeterRegistry;
import dev.switchboard.core.store.KvStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import dev.switchboard.core.connector.BridgeContext;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.homeserver.AppServiceIntents;
import dev.switchboard.core.homeserver.AppServicePing;
import dev.switchboard.core.homeserver.HomeserverClient;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.homeserver.OutboundQueue;
import dev.switchboard.core.homeserver.RetryPolicy;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.inbox.Dispatcher;
import dev.switchboard.core.inbox.Inbox;
import dev.switchboard.core.inbox.SecretScrubber;
import dev.switchboard.core.inbox.InboxPruner;
import dev.switchboard.core.inbox.InboxStore;
import dev.switchboard.core.media.MediaConfig;
import dev.switchboard.core.media.MediaEndpoint;
import dev.switchboard.core.media.MediaLinks;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.core.store.StoredMessageMap;
import dev.switchboard.core.store.PortalStore;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.registration.Namespaces;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Core wired together and running: homeserver client and intents, portals, the given connectors, inbox and
 * dispatch, the AS API, and the ping. The app builds it from the config; connector tests build it around their
 * connector, so they exercise the same wiring the jar runs.
 */
public final class BridgeRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BridgeRuntime.class);

  /**
   * What core needs to know.
   *
   * @param namespaces every user and alias namespace of the registration (ghost intents must stay inside)
   * @param pingAs how the homeserver reaches us, to ping it at start; empty when the caller registers us with the
   *     homeserver only after start (tests on a free port)
   * @param queuedRetry backoff of durable sends; {@link RetryPolicy#FOREVER} in production
   * @param permissions who may use the bridge and its commands
   * @param metricsListener the {@code /metrics} and {@code /health} listener, if enabled
   * @param media the media endpoint, if enabled; connectors' {@code mediaLinks()} then sign links to it
   * @param mediaKey the key media links are signed with (the media key file's)
   */
  public record Settings(
      String serverName,
      URI homeserverUrl,
      String appserviceId,
      String asToken,
      String hsToken,
      String botLocalpart,
      Namespaces namespaces,
      String bind,
      int port,
      int maxBodyBytes,
      Optional<URI> pingAs,
      Duration txnRetention,
      Duration eventRetention,
      RetryPolicy queuedRetry,
      Permissions permissions,
      BridgeConfig.Metrics metricsListener,
      ListenerLimits limits,
      MediaConfig media,
      byte[] mediaKey) {

    /** Without the media endpoint. */
    public Settings(String serverName, URI homeserverUrl, String appserviceId, String asToken, String hsToken,
        String botLocalpart, Namespaces namespaces, String bind, int port, int maxBodyBytes, Optional<URI> pingAs,
        Duration txnRetention, Duration eventRetention, RetryPolicy queuedRetry, Permissions permissions,
        BridgeConfig.Metrics metricsListener, ListenerLimits limits) {
      this(serverName, homeserverUrl, appserviceId, asToken, hsToken, botLocalpart, namespaces, bind, port,
          maxBodyBytes, pingAs, txnRetention, eventRetention, queuedRetry, permissions, metricsListener, limits,
          MediaConfig.disabled(), null);
    }

    /** With the AS API's default limits. */
    public Settings(String serverName, URI homeserverUrl, String appserviceId, String asToken, String hsToken,
        String botLocalpart, Namespaces namespaces, String bind, int port, int maxBodyBytes, Optional<URI> pingAs,
        Duration txnRetention, Duration eventRetention, RetryPolicy queuedRetry, Permissions permissions,
        BridgeConfig.Metrics metricsListener) {
      this(serverName, homeserverUrl, appserviceId, asToken, hsToken, botLocalpart, namespaces, bind, port,
          maxBodyBytes, pingAs, txnRetention, eventRetention, queuedRetry, permissions, metricsListener,
          ListenerLimits.APPSERVICE);
    }

    /**
     * Settings with defaults for all but what identifies the bridge to its homeserver (see {@link SettingsBuilder}).
     */
    public static SettingsBuilder builder(String serverName, URI homeserverUrl, Namespaces namespaces, String asToken,
        String hsToken) {
      return new SettingsBuilder(serverName, homeserverUrl, namespaces, asToken, hsToken);
    }

    @Override
    public String toString() {
      return "Settings[serverName=" + serverName + ", homeserverUrl=" + homeserverUrl + ", bind=" + bind + ", port="
          + port + ", media=" + media + "]";
    }
  }

  private final List<AutoCloseable> closeInOrder;
  private final int port;
  private final int metricsPort;
  private final Intents intents;
  private final Portals portals;
  private final Database database;
  private MeterRegistry metrics = new io.micrometer.core.instrument.composite.CompositeMeterRegistry();
  private CommandRegistry commands = new CommandRegistry();
  private int mediaPort = -1;
  private MediaLinks mediaLinks;
  /** Set after construction by the provisioning overload of start; -1 when provisioning is off. */
  private volatile int provisioningPort = -1;

  private BridgeRuntime(List<AutoCloseable> closeInOrder, int port, int metricsPort, Intents intents,
      Portals portals, Database database) {
    this.closeInOrder = closeInOrder;
    this.port = port;
    this.metricsPort = metricsPort;
    this.intents = intents;
    this.portals = portals;
    this.database = database;
  }

  /**
   * As {@link #start(Settings, Database, SecretBox, List)}, and serves the provisioning API when
   * {@code provisioning} is enabled (on its own port, see {@link #provisioningPort()}).
   */
  public static BridgeRuntime start(Settings settings, Database database, SecretBox secrets,
      List<Connector> enabled, ProvisioningConfig provisioning)
      throws Exception {
    BridgeRuntime runtime = start(settings, database, secrets, enabled);
    if (!provisioning.enabled()) {
      return runtime;
    }
    try {
      Clock clock = Clock.systemUTC();
      ExecutorService workers = Executors.newFixedThreadPool(4, named("provisioning"));
      runtime.closeInOrder.add(0, workers::shutdownNow);
      ProvisioningApi api = new ProvisioningApi(new Connectors(enabled), runtime.portals, runtime.intents,
          new LoginStore(database, secrets, clock), provisioning.linkTimeout(), workers);
      CallerAuthentication auth = new CallerAuthentication(provisioning.sharedSecret(),
          new OpenIdVerifier(provisioning.openIdUrl(), settings.serverName(), provisioning.openIdCache(), clock,
              provisioning.openIdOtherServers(), provisioning.openIdServerUrls()),
          settings.permissions());
      ProvisioningServer server = ProvisioningServer.start(provisioning.bind(), provisioning.port(),
          provisioning.limits(), provisioning.failedAuthLimit(), api, auth, workers, new ObjectMapper(),
          runtime.metrics);
      runtime.closeInOrder.add(0, server);
      runtime.provisioningPort = server.port();
      return runtime;
    } catch (Exception | Error e) {
      runtime.close();
      throw e;
    }
  }

  /** The port of the provisioning API, or -1 when it is disabled. */
  public int provisioningPort() {
    return provisioningPort;
  }

  /**
   * Starts everything on {@code database} (which the runtime then owns and closes); each connector has parsed its own
   * config section when it was built. On failure, what had started is stopped and the exception rethrown.
   */
  public static BridgeRuntime start(Settings settings, Database database, SecretBox secrets,
      List<Connector> enabled) throws Exception {
    List<AutoCloseable> closeables = new ArrayList<>();
    closeables.add(database);
    try {
      return start(settings, database, secrets, enabled, closeables);
    } catch (Exception | Error e) {
      closeAll(closeables);
      throw e;
    }
  }

  private static BridgeRuntime start(Settings s, Database database, SecretBox secrets, List<Connector> enabled,
      List<AutoCloseable> closeables) throws Exception {
    Clock clock = Clock.systemUTC();
    ObjectMapper json = new ObjectMapper();
    BridgeLifecycle lifecycle = new BridgeLifecycle();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    closeables.add(0, metrics::close);
    closeables.add(0, CoreMetrics.bindJvm(metrics));
    CoreMetrics.bindBridgeState(metrics, lifecycle::state);

    ExecutorService blocking = Executors.newFixedThreadPool(16, named("blocking"));
    ExecutorService dbExecutor = Executors.newFixedThreadPool(4, named("db"));
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, named("scheduler"));
    // Dispatch only hands events to connectors (their work runs on their own threads), so two threads suffice,
    // and a small pool keeps dispatch from starving the AS API's acknowledgements of CPU.
    ExecutorService dispatchWorkers = Executors.newFixedThreadPool(2, named("dispatch"));
    closeables.add(0, () -> {
      scheduler.shutdownNow();
      dispatchWorkers.shutdown();
      blocking.shutdown();
      dbExecutor.shutdown();
      blocking.awaitTermination(5, TimeUnit.SECONDS);
      dbExecutor.awaitTermination(5, TimeUnit.SECONDS);
    });

    // Matrix side: the client, the durable queue of sends, and the intents connectors act through.
    HomeserverClient client = new HomeserverClient(
        HomeserverClient.Settings.defaults(s.homeserverUrl(), s.asToken()), scheduler, clock, new SplittableRandom(),
        metrics);
    closeables.add(0, client);
    OutboundQueue queue = OutboundQueue.open(database, dbExecutor, scheduler, clock, s.queuedRetry());
    closeables.add(0, queue);
    UserId bot = UserId.of(s.botLocalpart(), s.serverName());
    Connectors connectors = new Connectors(enabled);
    // Each connector's ghosts' messages count as its to_matrix messages.
    Map<String, ConnectorMeters> meters = new HashMap<>();
    enabled.forEach(c -> meters.put(c.protocol(), new ConnectorMeters(metrics, c.protocol())));
    Function<UserId, Runnable> countToMatrix = ghost -> connectors.owningUser(ghost)
        .map(c -> meters.get(c.protocol()))
        .<Runnable>map(m -> () -> m.message(ConnectorMeters.Direction.TO_MATRIX))
        .orElse(() -> { });
    AppServiceIntents intents = new AppServiceIntents(client, queue, bot,
        user -> s.namespaces().claimsUser(user.value()), countToMatrix);
    intents.start();
    CoreMetrics.bindOutboundQueue(metrics, queue::pending);
    CoreMetrics.bindOutboundCoalescing(metrics, queue);

    Portals portals = new Portals(new PortalStore(database, clock));
    MessageMapStore messageMap = new MessageMapStore(database, clock);
    // One for the bridge, so every connector's mappings share commits.
    MessageMap sharedMessageMap = new StoredMessageMap(messageMap, blocking);

    // The media endpoint, before the connectors: they hand out its links from the start.
    MediaLinks mediaLinks = MediaLinks.homeserverDownload("https://" + s.serverName());
    int mediaPort = -1;
    if (s.media().enabled()) {
      MediaEndpoint media = MediaEndpoint.start(s.media(), s.homeserverUrl(), s.asToken(), s.mediaKey(), clock,
          metrics);
      closeables.add(0, media);
      mediaLinks = media.links();
      mediaPort = media.port();
    }

    // Connectors, each with its own config section.
    for (Connector c : enabled) {
      c.start(new BridgeContext(s.serverName(), intents, database, secrets, portals,
          scheduler, blocking, clock, metrics, user -> connectors.owningUser(user).map(Connector::protocol),
          s.permissions(), sharedMessageMap, mediaLinks));
      closeables.add(0, c::stop);
      log.info("Connector {} started", c.protocol());
    }
    CoreMetrics.bindConnectors(metrics, connectors);

    // Receiving side: inbox, dispatch, pruning, then the AS API.
    InboxStore inboxStore = new InboxStore(database, clock, json);

    // Admin commands: core's and each connector's, answered by the bot in admin rooms and bridged rooms.
    CommandRegistry commandRegistry = new CommandRegistry();
    for (Connector c : enabled) {
      if (c instanceof CommandCapable commandCapable) {
        commandRegistry.registerAll(c.protocol(), commandCapable.commands());
      }
    }
    CommandDispatcher commands = new CommandDispatcher(commandRegistry, s.permissions());
    // Health, for !status and the operator listener. The AS API and the ping start last; until then they count as
    // not listening and not yet checked. The built-ins exist before dispatch starts (resumed entries may be commands).
    AtomicReference<AppServiceServer> asServer = new AtomicReference<>();
    AtomicReference<AppServicePing> asPing = new AtomicReference<>();
    HealthCheck health = new HealthCheck(new HealthCheck.Sources(lifecycle::state, connectors,
        () -> asServer.get() != null && asServer.get().listening(), database::reachable, inboxStore::depth,
        client::reachable,
        () -> asPing.get() == null ? AppServicePing.State.CHECKING : asPing.get().state(),
        () -> asPing.get() == null ? Optional.empty() : asPing.get().problem()));
    // While the bridge cannot decrypt: notices in rooms that turn encryption on, from whoever of ours is there.
    Predicate<UserId> ours = user -> user.equals(bot) || s.namespaces().claimsUser(user.value());
    RoomVoice voice = new RoomVoice(new GhostStore(database, clock), intents, bot, ours, blocking);
    EncryptedRooms encryptedRooms = new EncryptedRooms(new EncryptedRoomStore(database, clock), voice, ours, blocking,
        clock);
    BuiltinCommands.register(commandRegistry, commands, health, encryptedRooms::bridged, blocking);
    new LinkCommands(connectors, intents.bot()).register(commandRegistry);
    AdminRooms adminRooms = new AdminRooms(bot, intents, new KvStore(database, clock), s.permissions(), commands,
        user -> connectors.owningUser(user).isPresent(), blocking);

    Dispatcher dispatcher = new Dispatcher(connectors, portals, bot, inboxStore, dispatchWorkers, scheduler,
        Duration.ofMinutes(2), (room, user, membership) -> {
          intents.membershipChanged(room, user, membership);
          voice.membershipChanged(room, user, membership);
        }, adminRooms, metrics, s.permissions(),
        new RefusalNotices(intents, voice, user -> connectors.owningUser(user).isPresent(), clock), encryptedRooms);
    closeables.add(0, dispatcher);
    dispatcher.resumePending();
    Inbox inbox = new Inbox(inboxStore, dispatcher, json, metrics, new SecretScrubber(commands::withoutSecrets));
    CoreMetrics.bindInbox(metrics, inboxStore, clock);
    InboxPruner pruner = new InboxPruner(inboxStore, clock, s.txnRetention(), s.eventRetention(),
        () -> messageMap.oldestKept().map(Instant::toEpochMilli).orElse(Long.MAX_VALUE));
    pruner.schedule(scheduler, Duration.ofHours(1));
    closeables.add(0, pruner);

    AppServiceServer server = AppServiceServer.start(new AppServiceServer.Settings(s.bind(), s.port(), s.hsToken(),
        s.maxBodyBytes(), Duration.ofSeconds(30), s.limits()), inbox, connectors, blocking, json, metrics);
    closeables.add(0, server);
    asServer.set(server);

    // Last: ask the homeserver to reach us, now that we can answer. Logs what is wrong and retries by itself.
    if (s.pingAs().isPresent()) {
      AppServicePing ping = new AppServicePing(client, s.appserviceId(), s.pingAs().get(), scheduler, clock,
          new SplittableRandom(), AppServicePing.defaultBackoff());
      closeables.add(0, ping);
      ping.start();
      CoreMetrics.bindPing(metrics, ping::state);
      asPing.set(ping);
    }
    int metricsPort = -1;
    if (s.metricsListener().enabled()) {
      MetricsServer metricsServer = MetricsServer.start(s.metricsListener().bind(), s.metricsListener().port(),
          s.metricsListener().limits(), metrics, health, blocking, json);
      closeables.add(0, metricsServer);
      metricsPort = metricsServer.port();
    }
    lifecycle.moveTo(BridgeState.RUNNING);
    closeables.add(0, () -> lifecycle.moveTo(BridgeState.STOPPING));
    log.info("Switchboard started as {} for {} with connectors {}", s.appserviceId(), s.serverName(),
        enabled.stream().map(Connector::protocol).toList());
    BridgeRuntime runtime = new BridgeRuntime(closeables, server.port(), metricsPort, intents, portals, database);
    runtime.metrics = metrics;
    runtime.commands = commandRegistry;
    runtime.mediaPort = mediaPort;
    runtime.mediaLinks = mediaLinks;
    return runtime;
  }

  /** The port of the media endpoint, or -1 when it is disabled. */
  public int mediaPort() {
    return mediaPort;
  }

  /** The links connectors hand out for Matrix files. */
  public MediaLinks mediaLinks() {
    return mediaLinks;
  }

  /** The port of the metrics and health listener, or -1 when it is disabled. */
  public int metricsPort() {
    return metricsPort;
  }

  /** Every meter of the bridge (what {@code /metrics} shows), for tests and embedders. */
  public MeterRegistry metrics() {
    return metrics;
  }

  /** Every admin command, core's and the connectors' (what {@code !help} lists), for tests and the docs check. */
  public CommandRegistry commands() {
    return commands;
  }

  /** The port the AS API listens on. */
  public int port() {
    return port;
  }

  public Intents intents() {
    return intents;
  }

  public Portals portals() {
    return portals;
  }

  public Database database() {
    return database;
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static void closeAll(List<AutoCloseable> closeables) {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("Error while stopping: {}", e.toString());
      }
    }
  }

  /** Stops everything, newest first. */
  @Override
  public void close() {
    closeAll(closeInOrder);
  }
}
