package dev.switchboard.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.appservice.AppServiceServer;
import dev.switchboard.core.connector.BridgeContext;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.homeserver.AppServiceIntents;
import dev.switchboard.core.homeserver.HomeserverClient;
import dev.switchboard.core.homeserver.OutboundQueue;
import dev.switchboard.core.homeserver.RetryPolicy;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.inbox.Dispatcher;
import dev.switchboard.core.inbox.Inbox;
import dev.switchboard.core.inbox.InboxStore;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.PortalStore;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Core wired as {@code bridge-app} wires it (store, intents, dispatch, AS API) around one connector, registered
 * with a {@link TestHomeserver}; for connector integration tests without the app module.
 */
final class BridgeHarness implements AutoCloseable {
  static final String BOT_LOCALPART = "switchboard";

  private final List<AutoCloseable> closeInOrder = new ArrayList<>();
  final Database database;
  final AppServiceIntents intents;
  final Portals portals;

  BridgeHarness(TestHomeserver hs, Connector connector, JsonNode section, Path dir) throws InterruptedException {
    Clock clock = Clock.systemUTC();
    database = Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of(connector.protocol()));
    closeInOrder.add(0, database);
    ExecutorService blocking = Executors.newFixedThreadPool(8);
    ExecutorService db = Executors.newFixedThreadPool(2);
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    closeInOrder.add(0, () -> {
      scheduler.shutdownNow();
      blocking.shutdownNow();
      db.shutdown();
      db.awaitTermination(5, TimeUnit.SECONDS);
    });
    AppServiceRegistration reg = AppServiceRegistration.builder("switchboard").url("http://127.0.0.1:0")
        .senderLocalpart(BOT_LOCALPART)
        .users(connector.namespaces().users().get(0).regex(), true)
        .aliases(connector.namespaces().aliases().get(0).regex(), true)
        .build();
    HomeserverClient client = new HomeserverClient(HomeserverClient.Settings.defaults(URI.create(hs.baseUrl()),
        reg.asToken()), scheduler, clock, new SplittableRandom());
    closeInOrder.add(0, client);
    OutboundQueue queue = OutboundQueue.open(database, db, scheduler, clock,
        new RetryPolicy(Duration.ofMillis(50), Duration.ofSeconds(1), Integer.MAX_VALUE));
    closeInOrder.add(0, queue);
    UserId bot = UserId.of(BOT_LOCALPART, hs.serverName());
    intents = new AppServiceIntents(client, queue, bot, u -> connector.namespaces().claimsUser(u.value()));
    intents.start();
    portals = new Portals(new PortalStore(database, clock));
    try {
      connector.start(new BridgeContext(hs.serverName(), section, intents, database,
          new dev.switchboard.core.store.SecretBox(new byte[32], new java.security.SecureRandom()), portals,
          scheduler, blocking, clock));
    } catch (Exception e) {
      throw new IllegalStateException("connector did not start", e);
    }
    closeInOrder.add(0, connector::stop);
    Connectors connectors = new Connectors(List.of(connector));
    InboxStore inboxStore = new InboxStore(database, clock, new ObjectMapper());
    Dispatcher dispatcher = new Dispatcher(connectors, portals, bot, inboxStore, blocking, scheduler,
        Duration.ofSeconds(30), intents::membershipChanged);
    closeInOrder.add(0, dispatcher);
    AppServiceServer server = AppServiceServer.start(new AppServiceServer.Settings("127.0.0.1", 0, reg.hsToken(),
        10 * 1024 * 1024, Duration.ofSeconds(30)), new Inbox(inboxStore, dispatcher, new ObjectMapper()), connectors, blocking,
        new ObjectMapper());
    closeInOrder.add(0, server);
    // Now that we know our port, tell the homeserver where we are.
    hs.registerAppService(AppServiceRegistration.builder("switchboard").url("http://127.0.0.1:" + server.port())
        .asToken(reg.asToken()).hsToken(reg.hsToken()).senderLocalpart(BOT_LOCALPART)
        .users(connector.namespaces().users().get(0).regex(), true)
        .aliases(connector.namespaces().aliases().get(0).regex(), true)
        .build());
  }

  @Override
  public void close() {
    for (AutoCloseable c : closeInOrder) {
      try {
        c.close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }
}
