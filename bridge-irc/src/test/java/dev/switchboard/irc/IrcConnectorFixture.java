package dev.switchboard.irc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.BridgeContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.PortalStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connector started against a real IRC server with {@link RecordingIntents} in place of the homeserver, and
 * helpers to feed it Matrix events: for connector tests that need no Matrix round trip.
 */
public final class IrcConnectorFixture implements AutoCloseable {
  public static final String DOMAIN = "test.local";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Database database;
  private final ScheduledExecutorService scheduler;
  private final RecordingIntents intents;
  private final IrcConnector connector;
  private final AtomicInteger eventIds = new AtomicInteger();

  private IrcConnectorFixture(Database database, ScheduledExecutorService scheduler, RecordingIntents intents,
      IrcConnector connector) {
    this.database = database;
    this.scheduler = scheduler;
    this.intents = intents;
    this.connector = connector;
  }

  /** An {@code irc:} section with one network {@code test} at host:port, plain text, bot nick switchboard. */
  public static ObjectNode config(String host, int port) {
    ObjectNode irc = JSON.createObjectNode();
    irc.putObject("networks").putObject("test").put("host", host).put("port", port).put("tls", false)
        .put("nick", "switchboard");
    return irc;
  }

  /** The {@code test} network's section of a config from {@link #config}, to add settings to. */
  public static ObjectNode network(ObjectNode irc) {
    return (ObjectNode) irc.path("networks").path("test");
  }

  public static IrcConnectorFixture start(ObjectNode irc, Path dir) {
    Database database = Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of("irc"));
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4);
    RecordingIntents intents = new RecordingIntents(DOMAIN);
    IrcConnector connector = new IrcConnector(IrcConfig.parse(irc), DOMAIN, new SplittableRandom(1), Duration.ofMillis(200));
    connector.start(new BridgeContext(DOMAIN, intents, database,
        new dev.switchboard.core.store.SecretBox(new byte[32], new java.security.SecureRandom()),
        new Portals(new PortalStore(database, Clock.systemUTC())), scheduler, scheduler, Clock.systemUTC()));
    return new IrcConnectorFixture(database, scheduler, intents, connector);
  }

  public IrcConnector connector() {
    return connector;
  }

  public RecordingIntents intents() {
    return intents;
  }

  public Database database() {
    return database;
  }

  public RoomId openPortal(String alias) throws Exception {
    return connector.openPortalForUser(RoomAlias.of(alias)).get(5, TimeUnit.SECONDS).orElseThrow();
  }

  public static UserId user(String localpart) {
    return UserId.of(localpart, DOMAIN);
  }

  /** {@code localpart} joins the portal with a display name: their puppet connects and joins the channel. */
  public CompletableFuture<Void> join(RoomId room, String localpart, String displayName) {
    ObjectNode content = JSON.createObjectNode().put("membership", "join").put("displayname", displayName);
    return send(new MatrixEvent(EventId.of("$j" + eventIds.incrementAndGet()), room, user(localpart),
        "m.room.member", Optional.of(user(localpart).value()), 0, content, null));
  }

  /** A {@code m.room.message} with the given content; returns its event id. */
  public EventId message(RoomId room, String localpart, ObjectNode content) {
    EventId id = EventId.of("$m" + eventIds.incrementAndGet());
    send(new MatrixEvent(id, room, user(localpart), "m.room.message", Optional.empty(), 0, content, null));
    return id;
  }

  /** A plain {@code m.text}. */
  public EventId text(RoomId room, String localpart, String body) {
    return message(room, localpart, JSON.createObjectNode().put("msgtype", "m.text").put("body", body));
  }

  /** Any event, as the dispatcher would hand it over for the portal of {@code #room}. */
  public CompletableFuture<Void> send(MatrixEvent event) {
    return SortedEvents.deliver(connector, event, Optional.of(new Link(event.roomId(), "irc", "test/#room", false)));
  }

  public static ObjectMapper json() {
    return JSON;
  }

  @Override
  public void close() {
    connector.stop();
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    database.close();
  }
}
