package dev.switchboard.irc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.appservice.AppServiceServer;
import dev.switchboard.core.connector.BridgeContext;
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
import dev.switchboard.registration.Namespaces;
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
 * Core and the IRC connector wired as bridge-app wires them (AS API, inbox, dispatcher, homeserver client, durable
 * queue, intents, portals), against a testkit homeserver: the IRC connector tested through the real Matrix path.
 */
final class IrcBridgeHarness implements AutoCloseable {
  static final String AS_TOKEN = "as-token-irc-test";
  static final String HS_TOKEN = "hs-token-irc-test";

  private final List<AutoCloseable> closeInOrder = new ArrayList<>();
  final IrcConnector connector;

  IrcBridgeHarness(TestHomeserver hs, Path dir, String ircHost, int ircPort) throws Exception {
    this(hs, dir, ircHost, ircPort, network -> { });
  }

  /** @param network adds settings to the {@code test} network's config section */
  IrcBridgeHarness(TestHomeserver hs, Path dir, String ircHost, int ircPort,
      java.util.function.Consumer<ObjectNode> network) throws Exception {
    Clock clock = Clock.systemUTC();
    ObjectMapper json = new ObjectMapper();
    String domain = hs.serverName();
    ObjectNode irc = json.createObjectNode();
    irc.put("media_base_url", hs.baseUrl());
    network.accept(irc.putObject("networks").putObject("test").put("host", ircHost).put("port", ircPort)
        .put("tls", false).put("nick", "switchboard"));
    connector = new IrcConnector(irc, domain, new SplittableRandom(1), Duration.ofMillis(200));
    Namespaces namespaces = connector.namespaces();

    Database database = Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of());
    closeInOrder.add(0, database);
    ExecutorService blocking = Executors.newFixedThreadPool(8);
    ExecutorService db = Executors.newFixedThreadPool(2);
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    closeInOrder.add(0, () -> {
      scheduler.shutdownNow();
      blocking.shutdownNow();
      db.shutdownNow();
      blocking.awaitTermination(5, TimeUnit.SECONDS);
    });

    HomeserverClient client = new HomeserverClient(
        HomeserverClient.Settings.defaults(URI.create(hs.baseUrl()), AS_TOKEN), scheduler, clock,
        new SplittableRandom(2));
    closeInOrder.add(0, client);
    OutboundQueue queue = OutboundQueue.open(database, db, scheduler, clock, RetryPolicy.FOREVER);
    closeInOrder.add(0, queue);
    UserId bot = UserId.of("switchboard", domain);
    AppServiceIntents intents = new AppServiceIntents(client, queue, bot, u -> namespaces.claimsUser(u.value()));
    intents.start();
    Portals portals = new Portals(new PortalStore(database, clock));

    connector.start(new BridgeContext(domain, irc, intents, database, portals, scheduler, blocking, clock));
    closeInOrder.add(0, connector::stop);

    Connectors connectors = new Connectors(List.of(connector));
    InboxStore inboxStore = new InboxStore(database, clock, json);
    Dispatcher dispatcher = new Dispatcher(connectors, portals, bot, inboxStore, blocking, scheduler,
        Duration.ofMinutes(2), intents::membershipChanged);
    closeInOrder.add(0, dispatcher);
    Inbox inbox = new Inbox(inboxStore, dispatcher);
    AppServiceServer server = AppServiceServer.start(new AppServiceServer.Settings("127.0.0.1", 0, HS_TOKEN,
        10 * 1024 * 1024, Duration.ofSeconds(30)), inbox, connectors, blocking, json);
    closeInOrder.add(0, server);

    hs.registerAppService(AppServiceRegistration.builder("switchboard")
        .url("http://127.0.0.1:" + server.port())
        .asToken(AS_TOKEN)
        .hsToken(HS_TOKEN)
        .senderLocalpart("switchboard")
        .users(namespaces.users().get(0).regex(), true)
        .aliases(namespaces.aliases().get(0).regex(), true)
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
