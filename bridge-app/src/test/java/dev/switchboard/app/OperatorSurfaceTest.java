package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.command.Command;
import dev.switchboard.core.command.CommandCapable;
import dev.switchboard.core.command.Scope;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.MessageHandling;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.permission.Level;
import dev.switchboard.registration.NamespaceRegex;
import dev.switchboard.registration.Namespaces;
import dev.switchboard.registration.Registration;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.net.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator surface of the whole bridge against the testkit homeserver: admin rooms and commands, permissions,
 * {@code /metrics} and {@code /health} over real HTTP.
 */
class OperatorSurfaceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dir;

  private final AtomicReference<ConnectorState> ircState = new AtomicReference<>(ConnectorState.RUNNING);
  private final HttpClient http = HttpClient.newHttpClient();
  @RegisterExtension
  final HomeserverFixture hs = HomeserverFixture.start();
  @RegisterExtension
  final Fixture<Bridge> bridge = Fixture.of(this::startBridge);
  private String bot;
  private FakeIrc irc;

  /** An IRC stand-in with a state tests can change and two commands. */
  private final class FakeIrc implements Connector, CommandCapable, MessageHandling {
    private String domain;
    private volatile ConnectorContext context;
    private final List<String> bridged = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public String protocol() {
      return "irc";
    }

    @Override
    public Namespaces namespaces() {
      return new Namespaces(List.of(NamespaceRegex.users("_irc_", domain)),
          List.of(NamespaceRegex.aliases("_irc_", domain)), List.of());
    }

    @Override
    public void start(ConnectorContext context) {
      this.context = context;
      context.metrics().counter("switchboard.irc.started").increment();
    }

    @Override
    public void stop() {}

    @Override
    public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
      bridged.add(message.event().content().path("body").asText());
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public ConnectorState state() {
      return ircState.get();
    }

    @Override
    public List<Command> commands() {
      return List.of(
          Command.of("join", "<channel> [key]", "join an IRC channel", Level.USER,
              call -> CompletableFuture.completedFuture("would join " + call.arg("channel"))),
          Command.of("plumb", "<network> <channel>", "link this room to a channel", Level.ADMIN,
              call -> CompletableFuture.completedFuture("plumbed")).onlyIn(Scope.BRIDGED_ROOM));
    }
  }

  private Bridge startBridge() throws Exception {
    TestHomeserver hs = this.hs.get();
    int port = FreePorts.tcp();
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, """
        homeserver:
          url: %s
          domain: %s
        appservice:
          port: %d
          url: http://127.0.0.1:%d
          bot_localpart: switchboard
        media:
          port: 0
        database:
          url: jdbc:sqlite:bridge.db
        metrics:
          enabled: true
          port: 0
        permissions:
          "@root:%s": admin
          "@mallory:%s": none
        irc:
          enabled: true
        """.formatted(hs.baseUrl(), hs.serverName(), port, port, hs.serverName(), hs.serverName()));
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(file);
    Registration reg = RegistrationWriter.write(cfg, cfg.appservice().registration());
    hs.registerAppService(AppServiceRegistration.fromYaml(cfg.appservice().registration()));
    irc = new FakeIrc();
    irc.domain = hs.serverName();
    bot = "@switchboard:" + hs.serverName();
    return Bridge.start(cfg, reg, new ConnectorFactory() {
      @Override
      List<Connector> enabledConnectors(BridgeConfig c) {
        return List.of(irc);
      }
    });
  }

  /**
   * The user invites the bot to a new room and waits until it joined and greeted (so the greeting is not taken for
   * the answer to the test's first command).
   */
  private String adminRoomOf(TestUser user) {
    String room = user.createRoom();
    user.invite(room, bot);
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(bot)));
    hs.get().awaitEvent(room, bot, e -> e.path("content").path("body").asText().contains("Send !help"), WAIT);
    return room;
  }

  private String ask(TestUser user, String room, String command) {
    java.util.Set<String> before = new java.util.HashSet<>();
    hs.get().timeline(room).forEach(e -> before.add(e.path("event_id").asText()));
    user.send(room, command);
    JsonNode reply = hs.get().awaitEvent(room, bot, e -> "m.notice".equals(e.path("content").path("msgtype").asText())
        && !before.contains(e.path("event_id").asText()), WAIT);
    return reply.path("content").path("body").asText();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.get().metricsPort() + path))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static double sample(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  void invitingTheBotMakesAnAdminRoomWhereHelpListsWhatTheUserMayUse() {
    TestUser alice = hs.get().user("alice");
    String room = adminRoomOf(alice);
    hs.get().awaitEvent(room, bot, e -> e.path("content").path("body").asText().contains("Send !help"), WAIT);

    String help = ask(alice, room, "!help");

    assertThat(help).contains("!help", "!version", "!status", "!irc join <channel> [key] — join an IRC channel")
        .doesNotContain("plumb");
    JsonNode last = hs.get().timeline(room).get(hs.get().timeline(room).size() - 1);
    assertThat(last.path("sender").asText()).isEqualTo(bot);
    assertThat(last.path("content").path("msgtype").asText()).isEqualTo("m.notice");
    assertThat(ask(alice, room, "!irc join #java")).isEqualTo("would join #java");
    assertThat(ask(alice, room, "!irc join")).isEqualTo("Usage: !irc join <channel> [key]");
    assertThat(ask(alice, room, "!nonsense")).contains("Unknown command !nonsense");
    assertThat(ask(alice, room, "version")).startsWith("Switchboard ");
    hs.get().assertNoSchemaViolations();
  }

  @Test
  void inABridgedRoomProtocolCommandsGoToTheBotAndAreNotBridged() {
    TestUser alice = hs.get().user("alice");
    String room = adminRoomOf(alice);
    irc.context.portals().createPlumbedRoom(dev.switchboard.core.id.RoomId.of(room),
        List.of(new Link(dev.switchboard.core.id.RoomId.of(room), "irc", "libera/#java", true)));

    assertThat(ask(alice, room, "!irc join #java")).isEqualTo("would join #java");
    assertThat(ask(alice, room, "!irc plumb libera #java"))
        .isEqualTo("You are not allowed to use !irc plumb: it needs level admin, you have user.");
    alice.send(room, "hello irc");

    await().atMost(WAIT).until(() -> irc.bridged.contains("hello irc"));
    assertThat(irc.bridged).noneMatch(body -> body.startsWith("!irc"));
  }

  @Test
  void statusShowsAdminsMoreThanUsers() {
    TestUser alice = hs.get().user("alice");
    TestUser root = hs.get().user("root");
    String aliceRoom = adminRoomOf(alice);
    String rootRoom = adminRoomOf(root);

    String forAlice = ask(alice, aliceRoom, "!status");
    String forRoot = ask(root, rootRoom, "!status");

    assertThat(forAlice).contains("Bridge: RUNNING", "irc: RUNNING").doesNotContain("Inbox");
    assertThat(forRoot).contains("Bridge: RUNNING", "irc: RUNNING", "Inbox: ", "Homeserver: reachable");
  }

  @Test
  void aUserWithoutALevelIsNotGivenAnAdminRoom() {
    TestUser mallory = hs.get().user("mallory");
    String room = mallory.createRoom();
    mallory.invite(room, bot);
    await().atMost(WAIT).until(() -> "leave".equals(hs.get().members(room).get(bot)));
    assertThat(hs.get().timeline(room)).noneMatch(e -> bot.equals(e.path("sender").asText())
        && e.path("type").asText().equals("m.room.message"));
  }

  @Test
  void metricsCountTransactionsFromTheHomeserverAndHealthFollowsTheConnector() throws Exception {
    await().atMost(WAIT).until(() -> get("/health").statusCode() == 200);
    String before = get("/metrics").body();
    double received = Math.max(0, sample(before, "switchboard_transactions_received_total"));
    assertThat(sample(before, "switchboard_irc_started_total")).isEqualTo(1.0);

    TestUser alice = hs.get().user("alice");
    String room = alice.createRoom();
    alice.invite(room, bot);
    alice.send(room, "hello");

    await().atMost(WAIT).untilAsserted(() -> {
      String after = get("/metrics").body();
      assertThat(sample(after, "switchboard_transactions_received_total")).isGreaterThan(received);
      assertThat(sample(after, "switchboard_events_received_total")).isGreaterThanOrEqualTo(2.0);
      assertThat(after).containsPattern("switchboard_homeserver_requests_seconds_count\\{endpoint=\"/_matrix/"
          + "client/v3/rooms/\\{roomId}/join\",method=\"POST\",outcome=\"success\"} [1-9]");
      assertThat(after).doesNotContain(room).contains("jvm_memory_used_bytes");
    });

    HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.get().port()
        + "/_matrix/app/v1/transactions/forged")).header("Authorization", "Bearer not-the-hs-token")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"events\":[]}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(sample(get("/metrics").body(), "switchboard_appservice_rejected_total{reason=\"wrong_token\"}"))
        .isEqualTo(1.0);

    ircState.set(ConnectorState.TRANSIENT_DISCONNECT);
    HttpResponse<String> down = get("/health");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(down.body()).path("connectors").path("irc").asText())
        .isEqualTo("TRANSIENT_DISCONNECT");
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(get("/metrics").body())
        .contains("switchboard_connector_state{protocol=\"irc\",state=\"TRANSIENT_DISCONNECT\"} 1.0");

    ircState.set(ConnectorState.RUNNING);
    assertThat(get("/health").statusCode()).isEqualTo(200);
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
  }
}
