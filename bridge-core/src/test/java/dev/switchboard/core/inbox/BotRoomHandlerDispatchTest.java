package dev.switchboard.core.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.RecordingConnector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dispatcher hands events addressed to the bot to the bot-room handler, and only those. */
class BotRoomHandlerDispatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RoomId LINKED = RoomId.of("!linked:test.local");
  private static final RoomId DM = RoomId.of("!dm:test.local");
  private static final String BOT = "@bot:test.local";

  @TempDir
  Path dir;

  private Database database;
  private ExecutorService workers;
  private ScheduledExecutorService scheduler;
  private Dispatcher dispatcher;
  private Inbox inbox;
  private final RecordingConnector irc = new RecordingConnector("irc", "test.local");
  private final List<String> botSaw = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    database = Database.open("jdbc:sqlite:" + dir.resolve("d.db"), null, null, List.of());
    workers = Executors.newFixedThreadPool(2);
    scheduler = Executors.newSingleThreadScheduledExecutor();
    BotRoomHandler bot = new BotRoomHandler() {
      @Override
      public boolean claims(MatrixEvent event, List<Link> links) {
        return event.content().path("body").asText().startsWith("!irc")
            || (links.isEmpty() && event.stateKey().map(BOT::equals).orElse(false));
      }

      @Override
      public CompletableFuture<Void> handle(MatrixEvent event, List<Link> links) {
        botSaw.add(event.eventId().value());
        return CompletableFuture.completedFuture(null);
      }
    };
    Map<RoomId, List<Link>> links = Map.of(LINKED, List.of(new Link(LINKED, "irc", "net/#c", false)));
    InboxStore store = new InboxStore(database, Clock.systemUTC(), JSON);
    dispatcher = new Dispatcher(new Connectors(List.of(irc)), r -> links.getOrDefault(r, List.of()),
        UserId.of(BOT), store, workers, scheduler, Duration.ofSeconds(5), MembershipListener.NONE, bot,
        new SimpleMeterRegistry());
    inbox = new Inbox(store, dispatcher, JSON);
  }

  @AfterEach
  void stop() {
    dispatcher.close();
    workers.shutdownNow();
    scheduler.shutdownNow();
    database.close();
  }

  private void push(String txn, String events) throws Exception {
    String body = "{\"events\":[" + events + "]}";
    inbox.receive(txn, body.getBytes(StandardCharsets.UTF_8));
  }

  private static String message(String id, RoomId room, String sender, String text) {
    return """
        {"event_id":"%s","room_id":"%s","sender":"%s","type":"m.room.message","origin_server_ts":1,
         "content":{"msgtype":"m.text","body":"%s"}}""".formatted(id, room.value(), sender, text);
  }

  @Test
  void aCommandInABridgedRoomGoesToTheBotAndIsNotBridged() throws Exception {
    push("1", message("$cmd", LINKED, "@alice:test.local", "!irc help") + ","
        + message("$chat", LINKED, "@alice:test.local", "hello"));
    await().atMost(Duration.ofSeconds(5)).until(() -> irc.received.size() == 1 && botSaw.size() == 1);
    assertThat(botSaw).containsExactly("$cmd");
    assertThat(irc.eventIds()).containsExactly("$chat");
  }

  @Test
  void anInviteOfTheBotOutsideAnyLinkGoesToTheBot() throws Exception {
    push("1", """
        {"event_id":"$inv","room_id":"%s","sender":"@alice:test.local","type":"m.room.member","state_key":"%s",
         "origin_server_ts":1,"content":{"membership":"invite","is_direct":true}}""".formatted(DM.value(), BOT));
    await().atMost(Duration.ofSeconds(5)).until(() -> botSaw.size() == 1);
    assertThat(botSaw).containsExactly("$inv");
    assertThat(irc.received).isEmpty();
  }

  @Test
  void theBotsOwnMessagesNeverReachTheHandler() throws Exception {
    push("1", message("$own", LINKED, BOT, "!irc help") + "," + message("$after", LINKED, "@a:test.local", "x"));
    await().atMost(Duration.ofSeconds(5)).until(() -> irc.received.size() == 1);
    assertThat(botSaw).isEmpty();
  }
}
