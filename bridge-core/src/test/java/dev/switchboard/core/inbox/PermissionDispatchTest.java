package dev.switchboard.core.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.RecordingConnector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.store.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users at level none reach no connector; everyone else, and our own ghosts, do. */
class PermissionDispatchTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RoomId LINKED = RoomId.of("!linked:test.local");

  @TempDir
  Path dir;

  private Database database;
  private ExecutorService workers;
  private ScheduledExecutorService scheduler;
  private Dispatcher dispatcher;
  private Inbox inbox;
  private final RecordingConnector irc = new RecordingConnector("irc", "test.local");
  private final RecordingConnector xmpp = new RecordingConnector("xmpp", "test.local");
  private final List<String> refused = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    database = Database.open("jdbc:sqlite:" + dir.resolve("d.db"), null, null, List.of());
    workers = Executors.newFixedThreadPool(2);
    scheduler = Executors.newSingleThreadScheduledExecutor();
    Permissions permissions = Permissions.fromConfig(JsonNodeFactory.instance.objectNode()
        .put("relayed.org", "relay").put("@banned:test.local", "none"), "test.local");
    Map<RoomId, List<Link>> links = Map.of(LINKED, List.of(new Link(LINKED, "irc", "net/#c", false),
        new Link(LINKED, "xmpp", "room@muc", false)));
    InboxStore store = new InboxStore(database, Clock.systemUTC(), JSON);
    dispatcher = new Dispatcher(new Connectors(List.of(irc, xmpp)), r -> links.getOrDefault(r, List.of()),
        UserId.of("@bot:test.local"), store, workers, scheduler, Duration.ofSeconds(5), MembershipListener.NONE,
        BotRoomHandler.NONE, new SimpleMeterRegistry(), permissions,
        (MatrixEvent e) -> refused.add(e.eventId().value()));
    inbox = new Inbox(store, dispatcher, JSON);
  }

  @AfterEach
  void stop() {
    dispatcher.close();
    workers.shutdownNow();
    scheduler.shutdownNow();
    database.close();
  }

  private static String message(String id, String sender) {
    return """
        {"event_id":"%s","room_id":"%s","sender":"%s","type":"m.room.message","origin_server_ts":1,
         "content":{"msgtype":"m.text","body":"hi"}}""".formatted(id, LINKED.value(), sender);
  }

  @Test
  void noneUsersReachNoConnectorAndAreToldWhileOthersAndOurGhostsGetThrough() throws Exception {
    String body = "{\"events\":[" + String.join(",",
        message("$fed", "@mallory:evil.org"),
        message("$banned", "@banned:test.local"),
        message("$relay", "@rita:relayed.org"),
        message("$local", "@alice:test.local"),
        message("$ghost", "@_irc_net_bob:test.local")) + "]}";
    inbox.receive("1", body.getBytes(StandardCharsets.UTF_8));

    await().atMost(Duration.ofSeconds(5)).until(() -> xmpp.received.size() == 3 && refused.size() == 2);
    assertThat(refused).containsExactly("$fed", "$banned");
    assertThat(irc.eventIds()).containsExactly("$relay", "$local"); // its own ghost's event is an echo
    assertThat(xmpp.eventIds()).containsExactly("$relay", "$local", "$ghost");
  }
}
