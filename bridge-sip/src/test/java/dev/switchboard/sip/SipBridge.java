package dev.switchboard.sip;

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
import dev.switchboard.sip.config.SipConfig;
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

/**
 * The bridge as bridge-app wires it, with only the SIP connector, against the testkit homeserver: the AS API, inbox,
 * dispatch, intents, portals and the connector over one SQLite file.
 */
final class SipBridge implements AutoCloseable {
  static final String AS_TOKEN = "as-token-sip";
  static final String HS_TOKEN = "hs-token-sip";

  private final List<AutoCloseable> closeInOrder = new ArrayList<>();
  final SipConnector connector;
  final Database database;

  SipBridge(TestHomeserver hs, ObjectNode sipSection, Path dir) throws Exception {
    Clock clock = Clock.systemUTC();
    ObjectMapper json = new ObjectMapper();
    String domain = hs.serverName();
    database = Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of("sip"));
    closeInOrder.add(0, database);
    ExecutorService blocking = Executors.newFixedThreadPool(8);
    ExecutorService db = Executors.newFixedThreadPool(2);
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    closeInOrder.add(0, () -> {
      scheduler.shutdownNow();
      blocking.shutdownNow();
      db.shutdownNow();
    });
    HomeserverClient client = new HomeserverClient(HomeserverClient.Settings.defaults(URI.create(hs.baseUrl()),
        AS_TOKEN), scheduler, clock, new SplittableRandom());
    closeInOrder.add(0, client);
    OutboundQueue queue = OutboundQueue.open(database, db, scheduler, clock,
        new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(500), Integer.MAX_VALUE));
    closeInOrder.add(0, queue);
    UserId bot = UserId.of("switchboard", domain);
    connector = new SipConnector(SipConfig.parse(sipSection), domain);
    AppServiceIntents intents = new AppServiceIntents(client, queue, bot,
        u -> connector.namespaces().claimsUser(u.value()));
    intents.start();
    Portals portals = new Portals(new PortalStore(database, clock));
    Connectors connectors = new Connectors(List.of(connector));
    connector.start(new BridgeContext(domain, sipSection, intents, database, portals, scheduler, blocking, clock));
    closeInOrder.add(0, connector::stop);
    InboxStore inboxStore = new InboxStore(database, clock, json);
    Dispatcher dispatcher = new Dispatcher(connectors, portals, bot, inboxStore, blocking, scheduler,
        Duration.ofSeconds(30), intents::membershipChanged);
    closeInOrder.add(0, dispatcher);
    AppServiceServer server = AppServiceServer.start(new AppServiceServer.Settings("127.0.0.1", 0, HS_TOKEN,
        10_000_000, Duration.ofSeconds(10)), new Inbox(inboxStore, dispatcher), connectors, blocking, json);
    closeInOrder.add(0, server);
    hs.registerAppService(AppServiceRegistration.builder("switchboard-sip")
        .url("http://127.0.0.1:" + server.port())
        .asToken(AS_TOKEN).hsToken(HS_TOKEN).senderLocalpart("switchboard")
        .users("@_sip_.*:" + domain.replace(".", "\\."), true)
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
