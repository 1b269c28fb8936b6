package dev.switchboard.core.homeserver;

import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.Engine;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The bridge's homeserver side as the app wires it (client, queue, intents over one SQLite file), for tests; can be
 * stopped and started again on the same file to play a restart.
 */
final class BridgeSide implements AutoCloseable {
  static final UserId BOT = UserId.of("@switchboard:example.org");
  /** Short retries so tests run fast; the outage test passes its own. */
  static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(200), Integer.MAX_VALUE);

  final Database database;
  final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  final ExecutorService dbExecutor = Executors.newFixedThreadPool(2);
  final HomeserverClient client;
  final OutboundQueue queue;
  final AppServiceIntents intents;
  /** The ghost of each {@code m.room.message} counted as bridged to Matrix, in order. */
  final List<UserId> countedMessages = new CopyOnWriteArrayList<>();

  BridgeSide(URI homeserver, String asToken, Path dbFile, RetryPolicy queued) {
    this(homeserver, asToken, BOT, dbFile, queued);
  }

  BridgeSide(URI homeserver, String asToken, UserId bot, Path dbFile, RetryPolicy queued) {
    this(homeserver, asToken, bot, Engine.SQLITE, "jdbc:sqlite:" + dbFile, queued);
  }

  /** On any engine: {@code jdbcUrl} from {@link Engine#freshUrl}, reused to simulate a restart. */
  BridgeSide(URI homeserver, String asToken, UserId bot, Engine engine, String jdbcUrl, RetryPolicy queued) {
    database = engine.open(jdbcUrl);
    client = new HomeserverClient(HomeserverClient.Settings.defaults(homeserver, asToken)
        .withRetries(queued, new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(200), 4))
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5)),
        scheduler, Clock.systemUTC(), new SplittableRandom(3));
    queue = OutboundQueue.open(database, dbExecutor, scheduler, Clock.systemUTC(), FAST);
    intents = new AppServiceIntents(client, queue, bot, u -> u.localpart().startsWith("_irc_"),
        ghost -> () -> countedMessages.add(ghost));
  }

  BridgeSide(URI homeserver, String asToken, Path dbFile) {
    this(homeserver, asToken, dbFile, FAST);
  }

  BridgeSide started() {
    intents.start();
    return this;
  }

  int queuedRows() {
    return database.inTransaction(c -> {
      try (var st = c.prepareStatement("SELECT COUNT(*) FROM outbound_queue"); var rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    });
  }

  @Override
  public void close() {
    queue.close();
    client.close();
    scheduler.shutdownNow();
    dbExecutor.shutdown();
    try {
      dbExecutor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    database.close();
  }
}
