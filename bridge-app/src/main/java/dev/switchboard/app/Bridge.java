package dev.switchboard.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.appservice.AppServiceServer;
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
import dev.switchboard.core.inbox.Dispatcher;
import dev.switchboard.core.inbox.Inbox;
import dev.switchboard.core.inbox.InboxPruner;
import dev.switchboard.core.inbox.InboxStore;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.core.store.PortalStore;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.registration.Registration;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires core and the enabled connectors together; reads top to bottom. */
final class Bridge implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Bridge.class);

  private final List<AutoCloseable> closeInOrder;
  private final int port;

  private Bridge(List<AutoCloseable> closeInOrder, int port) {
    this.closeInOrder = closeInOrder;
    this.port = port;
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

    List<Connector> enabled = factory.enabledConnectors(cfg);
    List<String> schemas = enabled.stream().map(Connector::protocol).filter(factory::hasSchema).toList();
    Database database = Database.open(cfg.database().url(), cfg.database().user(), cfg.database().password(),
        schemas);
    closeables.add(0, database);
    SecretBox secrets = cfg.database().secretKey().isEmpty()
        ? SecretBox.loadOrCreate(cfg.database().secretKeyFile())
        : SecretBox.fromBase64(cfg.database().secretKey());

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
        HomeserverClient.Settings.defaults(cfg.homeserver().url(), registration.asToken()), scheduler, clock,
        new SplittableRandom());
    closeables.add(0, client);
    OutboundQueue queue = OutboundQueue.open(database, dbExecutor, scheduler, clock, RetryPolicy.FOREVER);
    closeables.add(0, queue);
    UserId bot = UserId.of(registration.senderLocalpart(), domain);
    AppServiceIntents intents = new AppServiceIntents(client, queue, bot,
        user -> registration.namespaces().claimsUser(user.value()));
    intents.start();

    Portals portals = new Portals(new PortalStore(database, clock));
    MessageMapStore messageMap = new MessageMapStore(database, clock);

    // Connectors, each with its own config section.
    Connectors connectors = new Connectors(enabled);
    for (Connector c : enabled) {
      c.start(new BridgeContext(domain, cfg.connector(c.protocol()), intents, database, secrets, portals, scheduler,
          blocking, clock));
      closeables.add(0, c::stop);
      log.info("Connector {} started", c.protocol());
    }

    // Receiving side: inbox, dispatch, pruning, then the AS API.
    InboxStore inboxStore = new InboxStore(database, clock, json);
    Dispatcher dispatcher = new Dispatcher(connectors, portals, bot, inboxStore, dispatchWorkers, scheduler,
        Duration.ofMinutes(2), intents::membershipChanged);
    closeables.add(0, dispatcher);
    dispatcher.resumePending();
    Inbox inbox = new Inbox(inboxStore, dispatcher, json);
    InboxPruner pruner = new InboxPruner(inboxStore, clock, cfg.appservice().txnRetention(),
        cfg.appservice().eventRetention(),
        () -> messageMap.oldestKept().map(java.time.Instant::toEpochMilli).orElse(Long.MAX_VALUE));
    pruner.schedule(scheduler, Duration.ofHours(1));
    closeables.add(0, pruner);

    AppServiceServer server = AppServiceServer.start(new AppServiceServer.Settings(cfg.appservice().bind(),
        cfg.appservice().port(), registration.hsToken(), cfg.appservice().maxBodyBytes(), Duration.ofSeconds(30)),
        inbox, connectors, blocking, json);
    closeables.add(0, server);

    // Last: ask the homeserver to reach us, now that we can answer. Logs what is wrong and retries by itself.
    AppServicePing ping = new AppServicePing(client, registration.id(), cfg.appservice().url(), scheduler, clock,
        new SplittableRandom(), AppServicePing.defaultBackoff());
    closeables.add(0, ping);
    ping.start();

    log.info("Switchboard started as {} for {} with connectors {}", registration.id(), domain,
        enabled.stream().map(Connector::protocol).toList());
    return new Bridge(closeables, server.port());
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
