package dev.switchboard.core.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.RecordingConnector;
import dev.switchboard.core.command.Command;
import dev.switchboard.core.command.CommandDispatcher;
import dev.switchboard.core.command.CommandRegistry;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.store.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A password sent with a command runs the command but is never stored in the inbox; the database is owner-only. */
class SecretScrubberTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RoomId ADMIN_ROOM = RoomId.of("!admin:test.local");

  @TempDir
  Path dir;

  private Database database;
  private ExecutorService workers;
  private ScheduledExecutorService scheduler;
  private Dispatcher dispatcher;
  private Inbox inbox;
  private final List<String> ranWith = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    database = Database.open("jdbc:sqlite:" + dir.resolve("d.db"), null, null, List.of());
    workers = Executors.newFixedThreadPool(2);
    scheduler = Executors.newSingleThreadScheduledExecutor();
    CommandRegistry registry = new CommandRegistry();
    registry.register("irc", Command.of("storepass", "<password> [network]", "store a password", Level.USER,
        call -> {
          ranWith.add(call.arg("password"));
          return CompletableFuture.completedFuture("stored");
        }));
    CommandDispatcher commands = new CommandDispatcher(registry, Permissions.defaults("test.local"));
    BotRoomHandler bot = new BotRoomHandler() {
      @Override
      public boolean claims(MatrixEvent event, List<Link> links) {
        return event.roomId().equals(ADMIN_ROOM);
      }

      @Override
      public CompletableFuture<Void> handle(MatrixEvent event, List<Link> links) {
        String body = event.content().path("body").asText();
        return commands.run(body, event.sender(), event.roomId(), dev.switchboard.core.command.Scope.ADMIN_ROOM,
            links, event.eventId()).thenApply(reply -> null);
      }
    };
    InboxStore store = new InboxStore(database, Clock.systemUTC(), JSON);
    dispatcher = new Dispatcher(new Connectors(List.of(new RecordingConnector("irc", "test.local"))),
        r -> List.of(), UserId.of("@bot:test.local"), store, workers, scheduler, Duration.ofSeconds(5),
        MembershipListener.NONE, bot, new SimpleMeterRegistry());
    inbox = new Inbox(store, dispatcher, JSON, new SimpleMeterRegistry(),
        new SecretScrubber(commands::withoutSecrets));
  }

  @AfterEach
  void stop() {
    dispatcher.close();
    workers.shutdownNow();
    scheduler.shutdownNow();
    database.close();
  }

  @Test
  void theCommandGetsThePasswordButTheInboxNeverStoresIt() throws Exception {
    String body = """
        {"events":[{"event_id":"$pw","room_id":"%s","sender":"@alice:test.local","type":"m.room.message",
          "origin_server_ts":1,"content":{"msgtype":"m.text","body":"!irc storepass 'hunter2 x' libera",
          "format":"org.matrix.custom.html","formatted_body":"!irc storepass 'hunter2 x' libera"}}]}"""
        .formatted(ADMIN_ROOM.value());
    inbox.receive("1", body.getBytes(StandardCharsets.UTF_8));

    await().atMost(Duration.ofSeconds(5)).until(() -> ranWith.size() == 1);
    assertThat(ranWith).containsExactly("hunter2 x");
    List<String> stored = new ArrayList<>();
    try (Connection c = database.dataSource().getConnection();
        ResultSet rs = c.createStatement().executeQuery("SELECT body FROM inbox_event")) {
      while (rs.next()) {
        stored.add(rs.getString(1));
      }
    }
    assertThat(stored).hasSize(1);
    assertThat(stored.get(0)).doesNotContain("hunter2")
        .contains("!irc storepass [secret removed] libera").contains(SecretScrubber.MARK);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("d.db"))))
        .isEqualTo("rw-------");
  }

  @Test
  void messagesWithoutSecretArgumentsAreStoredAsReceived() {
    CommandRegistry registry = new CommandRegistry();
    registry.register("irc", Command.of("join", "<channel> [key]", "join", Level.USER,
        call -> CompletableFuture.completedFuture("")));
    CommandDispatcher commands = new CommandDispatcher(registry, Permissions.defaults("test.local"));
    assertThat(commands.withoutSecrets("!irc join #java")).isEmpty();
    assertThat(commands.withoutSecrets("hello")).isEmpty();
    assertThat(commands.withoutSecrets("!irc storepass")).isEmpty();
  }
}
