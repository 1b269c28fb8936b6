package dev.switchboard.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.RecordingConnector;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.health.BridgeLifecycle;
import dev.switchboard.core.health.BridgeState;
import dev.switchboard.core.health.HealthCheck;
import dev.switchboard.core.homeserver.AppServicePing;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.inbox.BotRoomHandler;
import dev.switchboard.core.inbox.Dispatcher;
import dev.switchboard.core.inbox.Inbox;
import dev.switchboard.core.inbox.InboxStore;
import dev.switchboard.core.store.Database;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator listener over real HTTP, on a real SQLite inbox. */
class MetricsServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RoomId ROOM = RoomId.of("!room:test.local");

  @TempDir
  Path dir;

  private final AtomicReference<ConnectorState> ircState = new AtomicReference<>(ConnectorState.RUNNING);
  private final HttpClient http = HttpClient.newHttpClient();
  private Database database;
  private ExecutorService blocking;
  private ScheduledExecutorService scheduler;
  private Dispatcher dispatcher;
  private Inbox inbox;
  private MetricsServer server;
  private RecordingConnector irc;

  @BeforeEach
  void start() throws Exception {
    database = Database.open("jdbc:sqlite:" + dir.resolve("m.db"), null, null, List.of());
    blocking = Executors.newFixedThreadPool(4);
    scheduler = Executors.newSingleThreadScheduledExecutor();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    irc = new RecordingConnector("irc", "test.local") {
      @Override
      public ConnectorState state() {
        return ircState.get();
      }
    };
    Connectors connectors = new Connectors(List.of(irc));
    InboxStore store = new InboxStore(database, Clock.systemUTC(), JSON);
    Map<RoomId, List<Link>> links = Map.of(ROOM, List.of(new Link(ROOM, "irc", "net/#chan", false)));
    dispatcher = new Dispatcher(connectors, room -> links.getOrDefault(room, List.of()),
        UserId.of("@bot:test.local"), store, blocking, scheduler, Duration.ofSeconds(5), (r, u, m) -> { },
        BotRoomHandler.NONE, registry);
    inbox = new Inbox(store, dispatcher, JSON, registry);
    BridgeLifecycle lifecycle = new BridgeLifecycle();
    CoreMetrics.bindInbox(registry, store, Clock.systemUTC());
    CoreMetrics.bindConnectors(registry, connectors);
    CoreMetrics.bindBridgeState(registry, lifecycle::state);
    HealthCheck health = new HealthCheck(new HealthCheck.Sources(lifecycle::state, connectors, () -> true,
        database::reachable, store::depth, () -> true, () -> AppServicePing.State.REACHABLE, Optional::empty));
    server = MetricsServer.start("127.0.0.1", 0, registry, health, blocking, JSON);
    lifecycle.moveTo(BridgeState.RUNNING);
  }

  @AfterEach
  void stop() {
    server.close();
    dispatcher.close();
    blocking.shutdownNow();
    scheduler.shutdownNow();
    database.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private double sample(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+|NaN)$").matcher(scrape);
    assertThat(m.find()).as("series %s in\n%s", series, scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private void receive(String txnId, String eventId) throws Exception {
    String body = """
        {"events":[{"event_id":"%s","room_id":"%s","sender":"@alice:test.local","type":"m.room.message",
        "origin_server_ts":1,"content":{"msgtype":"m.text","body":"hi"}},{"event_id":"bad"}]}
        """.formatted(eventId, ROOM.value());
    inbox.receive(txnId, body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theScrapeShowsTransactionsAndEventsCounted() throws Exception {
    HttpResponse<String> before = get("/metrics");
    assertThat(before.statusCode()).isEqualTo(200);
    assertThat(before.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v)
        .startsWith("text/plain"));
    assertThat(sample(before.body(), "switchboard_transactions_received_total")).isZero();

    receive("1", "$one");
    receive("1", "$one"); // a true retry
    await().atMost(Duration.ofSeconds(5)).until(() -> irc.received.size() == 1);

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      String after = get("/metrics").body();
      assertThat(sample(after, "switchboard_transactions_received_total")).isEqualTo(2.0);
      assertThat(sample(after, "switchboard_transactions_duplicate_total")).isEqualTo(1.0);
      assertThat(sample(after, "switchboard_events_received_total")).isEqualTo(1.0);
      assertThat(sample(after, "switchboard_events_skipped_total{reason=\"malformed\"}")).isEqualTo(1.0);
      assertThat(sample(after, "switchboard_events_dispatched_total")).isEqualTo(1.0);
      assertThat(sample(after, "switchboard_inbox_depth")).isZero();
      assertThat(sample(after, "switchboard_connector_state{protocol=\"irc\",state=\"RUNNING\"}")).isEqualTo(1.0);
      assertThat(sample(after, "switchboard_bridge_state{state=\"RUNNING\"}")).isEqualTo(1.0);
    });
  }

  @Test
  void healthFollowsConnectorOutageAndRecovery() throws Exception {
    assertThat(get("/health").statusCode()).isEqualTo(200);
    ircState.set(ConnectorState.TRANSIENT_DISCONNECT);
    HttpResponse<String> down = get("/health");
    assertThat(down.statusCode()).isEqualTo(503);
    JsonNode body = JSON.readTree(down.body());
    assertThat(body.path("status").asText()).isEqualTo("degraded");
    assertThat(body.path("connectors").path("irc").asText()).isEqualTo("TRANSIENT_DISCONNECT");
    assertThat(body.path("inbox_depth").asLong()).isZero();
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    ircState.set(ConnectorState.RUNNING);
    assertThat(get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  void aClosedDatabaseMakesTheBridgeUnhealthyAndUnreadyButAlive() throws Exception {
    database.close();
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(health.body()).path("database_reachable").asBoolean()).isFalse();
    assertThat(JSON.readTree(health.body()).path("problems").toString()).contains("database");
    assertThat(get("/health/ready").statusCode()).isEqualTo(503);
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    // The scrape still answers; the inbox depth comes from the undone entries the bridge keeps in memory
    // (InboxStore, DoneWatermark), so it needs no database read.
    HttpResponse<String> scrape = get("/metrics");
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body()).contains("switchboard_inbox_depth 0.0");
  }

  @Test
  void gaugesSurviveGarbageCollection() throws Exception {
    // Micrometer holds a gauge's object weakly unless told otherwise; a method reference would be collected.
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(20);
    }
    String scrape = get("/metrics").body();
    assertThat(sample(scrape, "switchboard_bridge_state{state=\"RUNNING\"}")).isEqualTo(1.0);
    assertThat(sample(scrape, "switchboard_inbox_depth")).isZero();
  }

  @Test
  void unknownPathsAndMethodsAreRefused() throws Exception {
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
        + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }
}
