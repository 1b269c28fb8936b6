package dev.switchboard.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.appservice.AppServiceServer;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkLookup;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.inbox.Dispatcher;
import dev.switchboard.core.inbox.Inbox;
import dev.switchboard.core.inbox.InboxStore;
import dev.switchboard.core.store.Database;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Core's receiving side (AS API, inbox, dispatcher) on a real database, for tests. */
public final class CoreHarness implements AutoCloseable {
  public static final String HS_TOKEN = "hs-secret-token";
  public static final String DOMAIN = "test.local";

  public final Database database;
  public final InboxStore inboxStore;
  public final Dispatcher dispatcher;
  public final AppServiceServer server;
  public final Map<RoomId, List<Link>> links;
  private final ExecutorService blocking;
  private final ExecutorService dispatchWorkers;
  private final ScheduledExecutorService scheduler;

  private CoreHarness(String jdbcUrl, List<Connector> connectors, Map<RoomId, List<Link>> links, int maxBody,
      int port) throws InterruptedException {
    ObjectMapper json = new ObjectMapper();
    this.links = links;
    this.database = Database.open(jdbcUrl, null, null, List.of());
    this.blocking = Executors.newFixedThreadPool(8, named("blocking"));
    this.scheduler = Executors.newSingleThreadScheduledExecutor(named("scheduler"));
    this.inboxStore = new InboxStore(database, Clock.systemUTC(), json);
    LinkLookup lookup = room -> links.getOrDefault(room, List.of());
    this.dispatchWorkers = Executors.newFixedThreadPool(2, named("dispatch"));
    this.dispatcher = new Dispatcher(new Connectors(connectors), lookup, UserId.of("@bot:" + DOMAIN), inboxStore,
        dispatchWorkers, scheduler, Duration.ofSeconds(10));
    Inbox inbox = new Inbox(inboxStore, dispatcher, json);
    dispatcher.resumePending();
    this.server = AppServiceServer.start(
        new AppServiceServer.Settings("127.0.0.1", port, HS_TOKEN, maxBody, Duration.ofSeconds(5)), inbox,
        new Connectors(connectors), blocking, json);
  }

  /** Named threads, so that profiles and the benchmark's CPU account tell the pools apart. */
  private static java.util.concurrent.ThreadFactory named(String pool) {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    return r -> {
      Thread t = new Thread(r, pool + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  public static CoreHarness start(String jdbcUrl, List<Connector> connectors) throws InterruptedException {
    return new CoreHarness(jdbcUrl, connectors, new ConcurrentHashMap<>(), 1024 * 1024, 0);
  }

  public static CoreHarness start(String jdbcUrl, List<Connector> connectors, Map<RoomId, List<Link>> links,
      int maxBody) throws InterruptedException {
    return new CoreHarness(jdbcUrl, connectors, links, maxBody, 0);
  }

  public static CoreHarness start(String jdbcUrl, List<Connector> connectors, Map<RoomId, List<Link>> links,
      int maxBody, int port) throws InterruptedException {
    return new CoreHarness(jdbcUrl, connectors, links, maxBody, port);
  }

  /** Links a room to a connector's remote room, as a portal would. */
  public void link(String roomId, String protocol, String remoteId) {
    links.computeIfAbsent(RoomId.of(roomId), r -> new CopyOnWriteArrayList<>())
        .add(new Link(RoomId.of(roomId), protocol, remoteId, false));
  }

  public URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  @Override
  public void close() {
    server.close();
    dispatcher.close();
    blocking.shutdownNow();
    dispatchWorkers.shutdownNow();
    scheduler.shutdownNow();
    database.close();
  }
}
