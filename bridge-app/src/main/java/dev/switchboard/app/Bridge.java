package dev.switchboard.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.appservice.AppServiceServer;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.LinkLookup;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.inbox.Dispatcher;
import dev.switchboard.core.inbox.Inbox;
import dev.switchboard.core.inbox.InboxPruner;
import dev.switchboard.core.inbox.InboxStore;
import dev.switchboard.core.store.Database;
import dev.switchboard.registration.Registration;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires core and the enabled connectors together; reads top to bottom. */
final class Bridge implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Bridge.class);

  private final List<AutoCloseable> closeInOrder;

  private Bridge(List<AutoCloseable> closeInOrder) {
    this.closeInOrder = closeInOrder;
  }

  static Bridge start(BridgeConfig cfg, Registration registration) throws InterruptedException {
    Clock clock = Clock.systemUTC();
    ObjectMapper json = new ObjectMapper();
    List<AutoCloseable> closeables = new ArrayList<>();

    Database database = Database.open(cfg.database().url(), cfg.database().user(), cfg.database().password(),
        List.of());
    closeables.add(0, database);
    ExecutorService blocking = Executors.newFixedThreadPool(16, named("blocking"));
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, named("scheduler"));
    closeables.add(0, () -> {
      blocking.shutdown();
      scheduler.shutdownNow();
      blocking.awaitTermination(5, TimeUnit.SECONDS);
    });

    List<Connector> enabled = List.of();
    Connectors connectors = new Connectors(enabled);
    LinkLookup links = room -> List.of();
    UserId bot = UserId.of(cfg.appservice().botLocalpart(), cfg.homeserver().domain());

    InboxStore inboxStore = new InboxStore(database, clock, json);
    Dispatcher dispatcher = new Dispatcher(connectors, links, bot, inboxStore, blocking, scheduler,
        Duration.ofMinutes(2));
    closeables.add(0, dispatcher);
    dispatcher.resumePending();
    Inbox inbox = new Inbox(inboxStore, dispatcher);
    InboxPruner pruner = new InboxPruner(inboxStore, clock, cfg.appservice().txnRetention(),
        cfg.appservice().eventRetention(), () -> Long.MAX_VALUE);
    pruner.schedule(scheduler, Duration.ofHours(1));
    closeables.add(0, pruner);

    AppServiceServer server = AppServiceServer.start(new AppServiceServer.Settings(cfg.appservice().bind(),
        cfg.appservice().port(), registration.hsToken(), cfg.appservice().maxBodyBytes(), Duration.ofSeconds(30)),
        inbox, connectors, blocking, json);
    closeables.add(0, server);

    log.info("Switchboard started as {} for {}", registration.id(), cfg.homeserver().domain());
    return new Bridge(closeables);
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
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
