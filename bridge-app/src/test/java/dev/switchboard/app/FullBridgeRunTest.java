package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.homeserver.MatrixRequest;
import dev.switchboard.registration.Registration;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.fixture.XmppServerFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The jar's wiring with the real IRC and XMPP connectors against ngircd, Prosody and the testkit homeserver, with
 * the metrics and provisioning listeners on: messages cross, {@code /metrics} counters move, {@code /health}
 * follows a real XMPP server outage and recovery, the provisioning API answers, and at the end every line logged
 * during the run (root at DEBUG) is searched for the configured secrets.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FullBridgeRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PROVISIONING_SECRET = "provisioning-secret-" + Long.toHexString(new SecureRandom()
      .nextLong());
  private static final String SECRET_KEY = Base64.getEncoder().encodeToString(new SecureRandom()
      .generateSeed(32));

  @TempDir
  static Path dir;
  private static final HttpClient http = HttpClient.newHttpClient();
  private static final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  private static Level rootLevelBefore;
  @RegisterExtension
  static final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  static final XmppServerFixture<ProsodyServer> prosody = XmppServerFixture.prosody();
  @RegisterExtension
  static final HomeserverFixture hs = HomeserverFixture.start();
  /** Started by {@link #start()} once the log is captured. */
  @RegisterExtension
  static final Fixture<Bridge> bridge = Fixture.of(FullBridgeRunTest::startBridge).onFirstUse();
  private static Registration registration;
  private static String openIdToken;

  @BeforeAll
  static void start() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLevelBefore = root.getLevel();
    root.setLevel(Level.DEBUG);
    captured.start();
    root.addAppender(captured);
    bridge.get();
  }

  private static Bridge startBridge() throws Exception {
    TestHomeserver hs = FullBridgeRunTest.hs.get();
    int asPort;
    try (ServerSocket s = new ServerSocket(0)) {
      asPort = s.getLocalPort();
    }
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, """
        homeserver:
          url: %s
          domain: %s
        appservice:
          port: %d
          url: http://127.0.0.1:%d
        media:
          port: 0
        database:
          url: jdbc:sqlite:bridge.db
          secret_key: "%s"
        metrics:
          enabled: true
          port: 0
        provisioning:
          enabled: true
          port: 0
          shared_secret: "%s"
        permissions:
          "@root:%s": admin
        irc:
          enabled: true
          networks:
            test:
              host: 127.0.0.1
              port: %d
              tls: false
              nick: switchboard
        xmpp:
          enabled: true
          domain: %s
          secret: "%s"
          server_host: 127.0.0.1
          server_port: %d
        """.formatted(hs.baseUrl(), hs.serverName(), asPort, asPort, SECRET_KEY, PROVISIONING_SECRET,
        hs.serverName(), ircd.get().port(), ProsodyServer.COMPONENT, prosody.get().componentSecret(),
        prosody.get().componentPort()));
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(file);
    registration = RegistrationWriter.write(cfg, cfg.appservice().registration());
    hs.registerAppService(AppServiceRegistration.fromYaml(cfg.appservice().registration()));
    return Bridge.start(cfg, registration, new ConnectorFactory());
  }

  @AfterAll
  static void stop() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAppender(captured);
    root.setLevel(rootLevelBefore);
  }

  private static HttpResponse<String> get(int port, String path, String auth) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30));
    if (auth != null) {
      b.header("Authorization", "Bearer " + auth);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> metricsGet(String path) throws Exception {
    return get(bridge.get().metricsPort(), path, null);
  }

  private static double sample(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  @Order(1)
  void messagesCrossAndTheMetricsCountersMove() throws Exception {
    await().atMost(WAIT).until(() -> metricsGet("/health").statusCode() == 200);
    String before = metricsGet("/metrics").body();
    double dispatched = Math.max(0, sample(before, "switchboard_events_dispatched_total"));
    double toIrc = Math.max(0, sample(before, IRC_TO_REMOTE));
    double fromIrc = Math.max(0, sample(before, IRC_TO_MATRIX));

    try (IrcTestUser carol = IrcTestUser.connect(ircd.get(), "carol")) {
      carol.join("#ops");
      TestUser alice = hs.get().user("alice");
      String room = alice.join("#_irc_test_#ops:" + hs.get().serverName());
      carol.awaitLine(l -> l.startsWith(":alice!") && l.contains(" JOIN "), WAIT);
      alice.send(room, "hello from matrix");
      carol.awaitMessage("alice", "#ops", "hello from matrix", WAIT);
      carol.say("#ops", "hello from irc");
      hs.get().awaitEvent(room, "@_irc_test_carol:" + hs.get().serverName(),
          e -> e.path("content").path("body").asText().equals("hello from irc"), WAIT);
    }

    await().atMost(WAIT).untilAsserted(() -> {
      String after = metricsGet("/metrics").body();
      assertThat(sample(after, "switchboard_events_dispatched_total")).isGreaterThan(dispatched);
      assertThat(after).containsPattern("switchboard_homeserver_requests_seconds_count\\{endpoint=\"/_matrix/client/"
          + "v3/rooms/\\{roomId}/send/m\\.room\\.message/\\{txnId}\",method=\"PUT\",outcome=\"success\"} [1-9]");
      assertThat(after).contains("switchboard_connector_state{protocol=\"irc\",state=\"RUNNING\"} 1.0",
          "switchboard_connector_state{protocol=\"xmpp\",state=\"RUNNING\"} 1.0");
      // The connectors' own meters: one message each way on IRC, the bot and alice's puppet connected.
      assertThat(sample(after, IRC_TO_REMOTE)).isEqualTo(toIrc + 1);
      assertThat(sample(after, IRC_TO_MATRIX)).isEqualTo(fromIrc + 1);
      assertThat(sample(after, ircConnections("bot", "connected"))).isEqualTo(1.0);
      assertThat(sample(after, ircConnections("puppet", "connected"))).isGreaterThanOrEqualTo(1.0);
      assertThat(sample(after, "switchboard_xmpp_component_state{protocol=\"xmpp\",state=\"ready\"}"))
          .isEqualTo(1.0);
    });
  }

  private static final String IRC_TO_REMOTE = "switchboard_irc_messages_total{direction=\"to_remote\",protocol=\"irc\"}";
  private static final String IRC_TO_MATRIX = "switchboard_irc_messages_total{direction=\"to_matrix\",protocol=\"irc\"}";
  private static final String IRC_BOT_RECONNECTS = "switchboard_irc_reconnects_total{connection=\"bot\",protocol=\"irc\"}";

  private static String ircConnections(String connection, String state) {
    return "switchboard_irc_connections{connection=\"" + connection + "\",protocol=\"irc\",state=\"" + state + "\"}";
  }

  @Test
  @Order(2)
  void theProvisioningApiAnswersThroughTheJarsWiring() throws Exception {
    int port = bridge.get().provisioningPort();
    String prefix = "/_switchboard/provisioning/v1";
    openIdToken = hs.get().user("alice").requestOpenIdToken();

    HttpResponse<String> networks = get(port, prefix + "/networks", PROVISIONING_SECRET);
    HttpResponse<String> wrong = get(port, prefix + "/networks", "a-wrong-secret-of-some-length");
    HttpResponse<String> whoami = get(port, prefix + "/whoami", "openid:" + openIdToken);

    assertThat(networks.statusCode()).isEqualTo(200);
    JsonNode list = JSON.readTree(networks.body()).path("networks");
    assertThat(list).extracting(n -> n.path("protocol").asText()).containsExactly("irc", "xmpp");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(whoami.body()).path("user_id").asText()).isEqualTo("@alice:" + hs.get().serverName());
    assertThat(JSON.readTree(whoami.body()).path("level").asText()).isEqualTo("user");
    HttpResponse<String> metrics = metricsGet("/metrics");
    assertThat(sample(metrics.body(), "switchboard_provisioning_requests_total{endpoint=\"networks\",status=\"401\"}"))
        .isEqualTo(1.0);
  }

  @Test
  @Order(3)
  void healthFollowsAnXmppServerOutageAndItsRecovery() throws Exception {
    await().atMost(WAIT).until(() -> metricsGet("/health").statusCode() == 200);

    prosody.get().stop();
    await().atMost(WAIT).untilAsserted(() -> {
      HttpResponse<String> down = metricsGet("/health");
      assertThat(down.statusCode()).isEqualTo(503);
      JsonNode body = JSON.readTree(down.body());
      assertThat(body.path("connectors").path("xmpp").asText()).isNotEqualTo("RUNNING");
      assertThat(body.path("connectors").path("irc").asText()).isEqualTo("RUNNING");
      assertThat(body.path("problems").toString()).contains("connector xmpp is");
    });
    assertThat(metricsGet("/health/ready").statusCode()).as("an outage is not a reason to restart").isEqualTo(200);
    assertThat(metricsGet("/metrics").body())
        .doesNotContain("switchboard_connector_state{protocol=\"xmpp\",state=\"RUNNING\"} 1.0");

    prosody.get().startAgain();
    await().atMost(WAIT).until(() -> metricsGet("/health").statusCode() == 200);
    assertThat(metricsGet("/metrics").body())
        .contains("switchboard_connector_state{protocol=\"xmpp\",state=\"RUNNING\"} 1.0");
  }

  @Test
  @Order(4)
  void healthAndTheIrcMetersFollowAnIrcServerOutageAndItsRecovery() throws Exception {
    await().atMost(WAIT).until(() -> metricsGet("/health").statusCode() == 200);
    double reconnects = Math.max(0, sample(metricsGet("/metrics").body(), IRC_BOT_RECONNECTS));

    ircd.get().stop();
    await().atMost(WAIT).untilAsserted(() -> {
      HttpResponse<String> down = metricsGet("/health");
      assertThat(down.statusCode()).isEqualTo(503);
      JsonNode body = JSON.readTree(down.body());
      assertThat(body.path("connectors").path("irc").asText()).isEqualTo("TRANSIENT_DISCONNECT");
      assertThat(body.path("problems").toString()).contains("connector irc is TRANSIENT_DISCONNECT");
      String scrape = metricsGet("/metrics").body();
      assertThat(sample(scrape, IRC_BOT_RECONNECTS)).isGreaterThan(reconnects);
      assertThat(sample(scrape, ircConnections("bot", "reconnecting"))).isEqualTo(1.0);
      assertThat(sample(scrape, ircConnections("bot", "connected"))).isZero();
    });
    assertThat(metricsGet("/health/ready").statusCode()).as("an outage is not a reason to restart").isEqualTo(200);

    ircd.get().startAgain();
    await().atMost(WAIT).until(() -> metricsGet("/health").statusCode() == 200);
    String up = metricsGet("/metrics").body();
    assertThat(up).contains("switchboard_connector_state{protocol=\"irc\",state=\"RUNNING\"} 1.0");
    assertThat(sample(up, ircConnections("bot", "connected"))).isEqualTo(1.0);
  }

  @Test
  @Order(5)
  void noConfiguredSecretAppearsInAnyLogLineOfTheRun() {
    List<ILoggingEvent> events;
    synchronized (captured) { // the bridge's threads still log while we read
      events = new java.util.ArrayList<>(captured.list);
    }
    List<String> lines = events.stream().map(e -> e.getFormattedMessage()
        + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy()))).toList();
    // The run did log (at DEBUG, from connectors and core), so the search below had something to search.
    assertThat(lines).hasSizeGreaterThan(20);
    assertThat(lines).anyMatch(l -> l.contains("Provisioning API listening"));
    Map<String, String> secrets = Map.of(
        "as_token", registration.asToken(),
        "hs_token", registration.hsToken(),
        "component secret", prosody.get().componentSecret(),
        "provisioning shared secret", PROVISIONING_SECRET,
        "database secret key", SECRET_KEY,
        "OpenID token", openIdToken == null ? "unset" : openIdToken);
    secrets.forEach((what, secret) -> assertThat(lines).as("log lines containing the " + what)
        .noneMatch(l -> l.contains(secret)));
  }
}
