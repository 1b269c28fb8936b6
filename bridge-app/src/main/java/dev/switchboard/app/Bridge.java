package dev.switchboard.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.appservice.AppServiceServer;
import dev.switchboard.core.command.AdminRooms;
import dev.switchboard.core.command.BuiltinCommands;
import dev.switchboard.core.command.CommandCapable;
import dev.switchboard.core.command.CommandDispatcher;
import dev.switchboard.core.command.CommandRegistry;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.connector.BridgeContext;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.homeserver.AppServiceIntents;
import dev.switchboard.core.homeserver.AppServicePing;
import dev.switchboard.core.homeserver.HomeserverClient;
import dev.switchboard.core.homeserver.OutboundQueue;
import dev.switchboard.core.homeserver.RetryPolicy;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.health.BridgeLifecycle;
import dev.switchboard.core.health.BridgeState;
import dev.switchboard.core.health.HealthCheck;
import dev.switchboard.core.inbox.Dispatcher;
import dev.switchboard.core.inbox.Inbox;
import dev.switchboard.core.inbox.InboxPruner;
import dev.switchboard.core.inbox.InboxStore;
import dev.switchboard.core.metrics.CoreMetrics;
import dev.switchboard.core.metrics.MetricsServer;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.KvStore;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.core.store.PortalStore;
import dev.switchboard.registration.Registration;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires core and the enabled connectors together; reads top to bottom. */
final class Bridge implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Bridge.class);

  private final List<AutoCloseable> closeInOrder;
  private final int port;
  private final int metricsPort;

  private Bridge(List<AutoCloseable> closeInOrder, int port) {
    this(closeInOrder, port, -1);
  }

  private Bridge(List<AutoCloseable> closeInOrder, int port, int metricsPort) {
    this.closeInOrder = closeInOrder;
    this.port = port;
    this.metricsPort = metricsPort;
  }

  /** Starts everything; on failure stops what had started and rethrows. */
  static Bridge start(BridgeConfig cfg, Registration registration, ConnectorFactory factory) throws Exception {
    List<AutoCloseable> closeables = new ArrayList<>();
    try {
      return start(cfg, registration, factory, closeables);
    } catch (Exception | Error e) {
      new Bridge(closeables, 0).close();
      throw e;
    }
  }

  private static Bridge start(BridgeConfig cfg, Registration registration, ConnectorFactory factory,
      List<AutoCloseable> closeables) throws Exception {
    Clock clock = Clock.systemUTC();
    ObjectMapper json = new ObjectMapper();
    String domain = cfg.homeserver().domain();
    BridgeLifecycle lifecycle = new BridgeLifecycle();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    closeables.add(0, metrics::close);
    closeables.add(0, CoreMetrics.bindJvm(metrics));
    CoreMetrics.bindBridgeState(metrics, lifecycle::state);

    List<Connector> enabled = factory.enabledConnectors(cfg);
    List<String> schemas = enabled.stream().map(Connector::protocol).filter(factory::hasSchema).toList();
    Database database = Database.open(cfg.database().url(), cfg.database().user(), cfg.database().password(),
        schemas);
    closeables.add(0, database);

    ExecutorService blocking = Executors.newFixedThreadPool(16, named("blocking"));
    ExecutorService dbExecutor = Executors.newFixedThreadPool(4, named("db"));
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, named("scheduler"));
    closeables.add(0, () -> {
      scheduler.shutdownNow();
      blocking.shutdown();
      dbExecutor.shutdown();
      blocking.awaitTermination(5, TimeUnit.SECONDS);
      dbExecutor.awaitTermination(5, TimeUnit.SECONDS);
    });

    // Matrix side: the client, the durable queue of sends, and the intents connectors act through.
    HomeserverClient client = new HomeserverClient(
        HomeserverClient.Settings.defaults(cfg.homeserver().url(), registration.asToken()), scheduler, clock,
        new SplittableRandom(), metrics);
    closeables.add(0, client);
    OutboundQueue queue = OutboundQueue.open(database, dbExecutor, scheduler, clock, RetryPolicy.FOREVER);
    closeables.add(0, queue);
    UserId bot = UserId.of(registration.senderLocalpart(), domain);
    AppServiceIntents intents = new AppServiceIntents(client, queue, bot,
        user -> registration.namespaces().claimsUser(user.value()));
    intents.start();
    CoreMetrics.bindOutboundQueue(metrics, queue::pending);

    Portals portals = new Portals(new PortalStore(database, clock));
    MessageMapStore messageMap = new MessageMapStore(database, clock);

    // Connectors, each with its own config section.
    Connectors connectors = new Connectors(enabled);
    for (Connector c : enabled) {
      c.start(new BridgeContext(domain, cfg.connector(c.protocol()), intents, database, portals, scheduler,
          blocking, clock, metrics));
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
    CommandDispatcher commands = new CommandDispatcher(commandRegistry, cfg.permissions());
    // Health, for !status and the operator listener. The AS API and the ping start last; until then they count as
    // not listening and not yet checked. The built-ins exist before dispatch starts (resumed entries may be commands).
    AtomicReference<AppServiceServer> asServer = new AtomicReference<>();
    AtomicReference<AppServicePing> asPing = new AtomicReference<>();
    HealthCheck health = new HealthCheck(new HealthCheck.Sources(lifecycle::state, connectors,
        () -> asServer.get() != null && asServer.get().listening(), database::reachable, inboxStore::depth,
        client::reachable,
        () -> asPing.get() == null ? AppServicePing.State.CHECKING : asPing.get().state(),
        () -> asPing.get() == null ? Optional.empty() : asPing.get().problem()));
    BuiltinCommands.register(commandRegistry, commands, health, blocking);
    AdminRooms adminRooms = new AdminRooms(bot, intents, new KvStore(database, clock), cfg.permissions(), commands,
        user -> connectors.owningUser(user).isPresent(), blocking);

    Dispatcher dispatcher = new Dispatcher(connectors, portals, bot, inboxStore, blocking, scheduler,
        Duration.ofMinutes(2), intents::membershipChanged, adminRooms, metrics);
    closeables.add(0, dispatcher);
    dispatcher.resumePending();
    Inbox inbox = new Inbox(inboxStore, dispatcher, metrics);
    CoreMetrics.bindInbox(metrics, inboxStore, clock);
    InboxPruner pruner = new InboxPruner(inboxStore, clock, cfg.appservice().txnRetention(),
        cfg.appservice().eventRetention(),
        () -> messageMap.oldestKept().map(java.time.Instant::toEpochMilli).orElse(Long.MAX_VALUE));
    pruner.schedule(scheduler, Duration.ofHours(1));
    closeables.add(0, pruner);

    AppServiceServer server = AppServiceServer.start(new AppServiceServer.Settings(cfg.appservice().bind(),
        cfg.appservice().port(), registration.hsToken(), cfg.appservice().maxBodyBytes(), Duration.ofSeconds(30)),
        inbox, connectors, blocking, json, metrics);
    closeables.add(0, server);

    // Last: ask the homeserver to reach us, now that we can answer. Logs what is wrong and retries by itself.
    AppServicePing ping = new AppServicePing(client, registration.id(), cfg.appservice().url(), scheduler, clock,
        new SplittableRandom(), AppServicePing.defaultBackoff());
    closeables.add(0, ping);
    ping.start();
    CoreMetrics.bindPing(metrics, ping::state);

    asServer.set(server);
    asPing.set(ping);
    int metricsPort = -1;
    if (cfg.metrics().enabled()) {
      MetricsServer metricsServer = MetricsServer.start(cfg.metrics().bind(), cfg.metrics().port(), metrics, health,
          blocking, json);
      closeables.add(0, metricsServer);
      metricsPort = metricsServer.port();
    }
    lifecycle.moveTo(BridgeState.RUNNING);
    closeables.add(0, () -> lifecycle.moveTo(BridgeState.STOPPING));

    log.info("Switchboard started as {} for {} with connectors {}", registration.id(), domain,
        enabled.stream().map(Connector::protocol).toList());
    return new Bridge(closeables, server.port(), metricsPort);
  }

  /** The port of the metrics and health listener, or -1 when it is disabled. */
  int metricsPort() {
    return metricsPort;
  }

  /** The port the AS API listens on. */
  int port() {
    return port;
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    for (AutoCloseable c : closeInOrder) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("Error while stopping: {}", e.toString());
      }
    }
  }
}
