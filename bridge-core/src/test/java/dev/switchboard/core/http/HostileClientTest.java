package dev.switchboard.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.RecordingConnector;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.provisioning.OpenIdVerifier;
import dev.switchboard.core.provisioning.ProvisioningConfig;
import dev.switchboard.core.provisioning.ProvisioningServer;
import dev.switchboard.core.runtime.BridgeRuntime;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What an attacker probing the built bridge tried (issue #16), against the three listeners of a running bridge
 * (AS API, provisioning, metrics) over raw sockets: slow and idle connections, connection floods, unauthenticated
 * large bodies, pipelining, over-deep and wrongly encoded transactions, and guessing the provisioning secret.
 */
class HostileClientTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AS_TOKEN = "as-token-hostile-test";
  private static final String HS_TOKEN = "hs-token-hostile-test";
  private static final String SECRET = "provisioning-secret-0123456789";
  private static final int MAX_CONNECTIONS = 8;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

  @TempDir
  Path dir;

  @RegisterExtension
  final Fixture<TestHomeserver> hs = HomeserverFixture.start(
      Options.defaults().backoff(Duration.ofMillis(20), Duration.ofMillis(200))).onFirstUse();
  /** The limits of all three listeners, chosen by a test before it starts the bridge. */
  private ListenerLimits limits = new ListenerLimits(MAX_CONNECTIONS, Duration.ofSeconds(30), REQUEST_TIMEOUT);
  @RegisterExtension
  final Fixture<BridgeRuntime> runtime = Fixture.of(this::startBridge).onFirstUse();
  private RecordingConnector connector;
  private final List<Socket> sockets = new ArrayList<>();

  /** The three listeners, each with a cheap request that needs its credentials and a request answered at once. */
  enum Listener {
    AS("/_matrix/app/v1/users/%40_test_exists%3A" + "hs", "Authorization: Bearer " + HS_TOKEN),
    PROVISIONING(ProvisioningServer.PREFIX + "/whoami", "Authorization: Bearer " + SECRET),
    METRICS("/metrics", "");

    final String path;
    final String auth;

    Listener(String path, String auth) {
      this.path = path;
      this.auth = auth;
    }
  }

  private BridgeRuntime startBridge() throws Exception {
    TestHomeserver hs = this.hs.get();
    String server = hs.serverName();
    connector = new RecordingConnector("test", server);
    BridgeRuntime runtime = BridgeRuntime.start(BridgeRuntime.Settings.builder(server, URI.create(hs.baseUrl()),
            connector.namespaces(), AS_TOKEN, HS_TOKEN).maxBodyBytes(256 * 1024)
            .metricsListener(new BridgeConfig.Metrics(true, "127.0.0.1", 0, limits)).limits(limits).build(),
        Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of()),
        new SecretBox(new byte[SecretBox.KEY_BYTES], new SecureRandom()), List.of(connector),
        new ProvisioningConfig(true, "127.0.0.1", 0, SECRET, URI.create(hs.baseUrl()), Duration.ofMinutes(1),
            Duration.ofMinutes(1), OpenIdVerifier.OtherServers.NONE, Map.of(), limits, 5));
    hs.registerAppService(AppServiceRegistration.builder("switchboard")
        .url("http://127.0.0.1:" + runtime.port()).asToken(AS_TOKEN).hsToken(HS_TOKEN).senderLocalpart("switchboard")
        .users(connector.namespaces().users().get(0).regex(), true)
        .rooms(".*", false)
        .build());
    return runtime;
  }

  private void start(ListenerLimits limits) {
    this.limits = limits;
    runtime.get();
  }

  /** Links the room to the recording connector, so its events are dispatched there. */
  private void link(String room) {
    runtime.get().portals().createPlumbedRoom(RoomId.of(room), List.of(new Link(RoomId.of(room), "test", "net/#chan",
        false)));
  }

  private void start() {
    runtime.get();
  }

  @AfterEach
  void stop() {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  private int port(Listener l) {
    return switch (l) {
      case AS -> runtime.get().port();
      case PROVISIONING -> runtime.get().provisioningPort();
      case METRICS -> runtime.get().metricsPort();
    };
  }

  private String path(Listener l) {
    return l.path.replace("%3Ahs", "%3A" + hs.get().serverName());
  }

  private Socket connect(Listener l) throws IOException {
    Socket s = new Socket("127.0.0.1", port(l));
    s.setSoTimeout(10_000);
    sockets.add(s);
    return s;
  }

  private static void write(Socket s, String text) throws IOException {
    write(s, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void write(Socket s, byte[] bytes) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(bytes);
    out.flush();
  }

  /** One response off the stream: status, headers (lower-case names), body by Content-Length. */
  private record Response(int status, Map<String, String> headers, String body) {
    String errcode() throws IOException {
      return JSON.readTree(body).path("errcode").asText();
    }
  }

  private static Response read(InputStream in) throws IOException {
    String statusLine = line(in);
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers,
        new String(body, StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        String s = buf.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      buf.write(b);
    }
    return buf.size() == 0 ? null : buf.toString(StandardCharsets.US_ASCII);
  }

  /** Whether the server has closed the connection (EOF), reading away whatever came before it. */
  private static boolean closedByServer(Socket s, int waitMillis) throws IOException {
    s.setSoTimeout(waitMillis);
    try {
      InputStream in = s.getInputStream();
      while (true) {
        if (in.read() == -1) {
          return true;
        }
      }
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static String headers(String auth) {
    return "Host: 127.0.0.1\r\n" + (auth.isEmpty() ? "" : auth + "\r\n");
  }

  @ParameterizedTest
  @EnumSource(Listener.class)
  void aHalfSentRequestIsAnswered408AndClosedWithinTheRequestTimeout(Listener l) throws Exception {
    start();
    Socket s = connect(l);
    long started = System.nanoTime();
    write(s, "GET " + path(l) + " HTTP/1.1\r\n" + headers(l.auth));
    // Slowloris: a header line now and then keeps the connection from ever being idle, but never ends the head.
    AtomicBoolean sending = new AtomicBoolean(true);
    Thread trickle = new Thread(() -> {
      try {
        for (int i = 0; sending.get() && i < 40; i++) {
          Thread.sleep(250);
          write(s, "X-Slow-" + i + ": y\r\n");
        }
      } catch (IOException | InterruptedException closed) {
        // the server hung up: what we want
      }
    });
    trickle.start();

    Response r = read(s.getInputStream());
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    sending.set(false);

    assertThat(r.status()).isEqualTo(408);
    assertThat(took).isBetween(REQUEST_TIMEOUT.minusMillis(200), REQUEST_TIMEOUT.plusSeconds(3));
    assertThat(closedByServer(s, 3_000)).as("closed after the 408").isTrue();
    trickle.join();
  }

  @ParameterizedTest
  @EnumSource(Listener.class)
  void anIdleConnectionIsClosedAfterTheIdleTimeoutAndAServedOneToo(Listener l) throws Exception {
    start(new ListenerLimits(MAX_CONNECTIONS, Duration.ofSeconds(2), Duration.ofSeconds(30)));
    Socket silent = connect(l);
    Socket served = connect(l);
    write(served, "GET " + path(l) + " HTTP/1.1\r\n" + headers(l.auth) + "\r\n");
    assertThat(read(served.getInputStream()).status()).isEqualTo(200);
    long started = System.nanoTime();

    assertThat(closedByServer(silent, 5_000)).isTrue();
    assertThat(closedByServer(served, 5_000)).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("idle timeout 2 s")
        .isLessThan(Duration.ofSeconds(5));
  }

  @ParameterizedTest
  @EnumSource(Listener.class)
  void aFloodOfIdleConnectionsDisplacesItselfAndAProperClientStillGetsThrough(Listener l) throws Exception {
    start();
    List<Socket> flood = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      flood.add(connect(l));
    }

    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(l) + path(l)))
        .timeout(Duration.ofSeconds(5));
    if (!l.auth.isEmpty()) {
      request.header("Authorization", l.auth.substring("Authorization: ".length()));
    }
    long started = System.nanoTime();
    HttpResponse<String> proper = HttpClient.newHttpClient().send(request.build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(proper.statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("far from the 30 s idle timeout")
        .isLessThan(Duration.ofSeconds(3));
    int stillOpen = 0;
    for (Socket s : flood) {
      if (!closedByServer(s, 50)) {
        stillOpen++;
      }
    }
    assertThat(stillOpen).as("flood connections the server kept").isLessThanOrEqualTo(MAX_CONNECTIONS);
  }

  @Test
  void theHomeserverDeliversATransactionThroughAFloodOfIdleConnections() throws Exception {
    start();
    TestUser alice = hs.get().user("alice");
    String room = alice.createRoom();
    link(room);
    for (int i = 0; i < 200; i++) {
      connect(Listener.AS);
    }

    String eventId = alice.send(room, "through the flood");

    await().atMost(Duration.ofSeconds(5)).until(() -> connector.eventIds().contains(eventId));
  }

  @ParameterizedTest
  @EnumSource(value = Listener.class, names = {"AS", "PROVISIONING"})
  void anUnauthenticatedLargeBodyIsRefusedAndClosedBeforeAByteOfItIsRead(Listener l) throws Exception {
    start();
    String target = l == Listener.AS ? "PUT /_matrix/app/v1/transactions/1" : "POST " + ProvisioningServer.PREFIX
        + "/rooms/!r:x/links";
    for (boolean expectContinue : List.of(false, true)) {
      Socket s = connect(l);
      write(s, target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer wrong-but-long-enough-0000\r\n"
          + "Content-Type: application/json\r\nContent-Length: 9900000\r\n"
          + (expectContinue ? "Expect: 100-continue\r\n" : "") + "\r\n");

      Response r = read(s.getInputStream());

      assertThat(r.status()).as("no 100 Continue for a stranger").isEqualTo(l == Listener.AS ? 403 : 401);
      assertThat(r.headers().get("connection")).isEqualToIgnoringCase("close");
      assertThat(closedByServer(s, 3_000)).as("closed without waiting for the body").isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(value = Listener.class, names = {"AS", "PROVISIONING"})
  void theRightCredentialsGet100ContinueAndTheBodyIsRead(Listener l) throws Exception {
    start();
    String body = "{\"events\":[]}";
    String target = l == Listener.AS ? "PUT /_matrix/app/v1/transactions/1" : "POST " + ProvisioningServer.PREFIX
        + "/rooms/not-a-room/links";
    Socket s = connect(l);
    write(s, target + " HTTP/1.1\r\n" + headers(l.auth) + "Content-Type: application/json\r\nContent-Length: "
        + body.length() + "\r\nExpect: 100-continue\r\n\r\n");
    InputStream in = s.getInputStream();

    assertThat(read(in).status()).isEqualTo(100);
    write(s, body);
    assertThat(read(in).status()).isEqualTo(l == Listener.AS ? 200 : 400);
  }

  @Test
  void aDeclaredBodyOverTheLimitIs413BeforeItIsRead() throws Exception {
    start();
    Socket s = connect(Listener.AS);
    write(s, "PUT /_matrix/app/v1/transactions/1 HTTP/1.1\r\n" + headers(Listener.AS.auth)
        + "Content-Length: 9900000\r\n\r\n");

    Response r = read(s.getInputStream());

    assertThat(r.status()).isEqualTo(413);
    assertThat(r.errcode()).isEqualTo("M_TOO_LARGE");
    assertThat(closedByServer(s, 3_000)).isTrue();
  }

  @Test
  void aChunkedBodyGrowingPastTheLimitIs413AndClosed() throws Exception {
    start();
    Socket s = connect(Listener.AS);
    write(s, "PUT /_matrix/app/v1/transactions/1 HTTP/1.1\r\n" + headers(Listener.AS.auth)
        + "Transfer-Encoding: chunked\r\n\r\n");
    String chunk = "x".repeat(32 * 1024);
    InputStream in = s.getInputStream();
    Response r = null;
    try {
      for (int i = 0; i < 64 && r == null; i++) { // 2 MiB at most; the limit is 256 KiB
        write(s, Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
        if (in.available() > 0) {
          r = read(in);
        }
      }
    } catch (IOException closedWhileWeWrote) {
      // the answer is already waiting to be read
    }
    if (r == null) {
      r = read(in);
    }

    assertThat(r.status()).isEqualTo(413);
    assertThat(closedByServer(s, 3_000)).isTrue();
  }

  @Test
  void aRefusedRequestWithoutABodyKeepsItsConnectionForTheNextRequest() throws Exception {
    start();
    Socket s = connect(Listener.PROVISIONING);
    InputStream in = s.getInputStream();

    write(s, "GET " + path(Listener.PROVISIONING) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    Response refused = read(in);
    write(s, "GET " + path(Listener.PROVISIONING) + " HTTP/1.1\r\n" + headers(Listener.PROVISIONING.auth) + "\r\n");
    Response admitted = read(in);

    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.errcode()).isEqualTo("M_MISSING_TOKEN");
    assertThat(refused.headers().get("access-control-allow-origin")).isEqualTo("*");
    assertThat(admitted.status()).isEqualTo(200);
  }

  @ParameterizedTest
  @EnumSource(Listener.class)
  void pipelinedRequestsAreAnsweredInTheOrderTheyCame(Listener l) throws Exception {
    start();
    // The first request is answered on a worker thread, the second would be answered at once on the event loop.
    String first = switch (l) {
      case AS -> "PUT /_matrix/app/v1/transactions/p1 HTTP/1.1\r\n" + headers(l.auth)
          + "Content-Length: 13\r\n\r\n{\"events\":[]}";
      case PROVISIONING, METRICS -> "GET " + path(l) + " HTTP/1.1\r\n" + headers(l.auth) + "\r\n";
    };
    String second = switch (l) {
      case AS -> "GET /_matrix/app/v1/nothing HTTP/1.1\r\n" + headers(l.auth) + "\r\n";
      case PROVISIONING -> "OPTIONS " + path(l) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      case METRICS -> "GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    };
    Socket s = connect(l);
    for (int round = 0; round < 5; round++) {
      write(s, first + second);
      InputStream in = s.getInputStream();

      Response a = read(in);
      Response b = read(in);

      assertThat(a.status()).as("round %d", round).isEqualTo(200);
      assertThat(b.status()).as("round %d", round).isEqualTo(l == Listener.PROVISIONING ? 204 : 404);
    }
  }

  /** An event of alice's, a user of the homeserver (users of other servers have no level by default). */
  private String event(String id, String room, String body) {
    return "{\"event_id\":\"" + id + "\",\"room_id\":\"" + room + "\",\"sender\":\"@alice:" + hs.get().serverName()
        + "\",\"type\":\"m.room.message\",\"origin_server_ts\":1,\"content\":{\"msgtype\":\"m.text\",\"body\":"
        + body + "}}";
  }

  private HttpResponse<String> putTransaction(String txnId, byte[] body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.get().port()
            + "/_matrix/app/v1/transactions/" + txnId)).header("Authorization", "Bearer " + HS_TOKEN)
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aTransactionWithAnEventNestedFiveThousandDeepIsAcceptedAndItsGoodEventDispatched() throws Exception {
    start();
    String room = "!room:" + hs.get().serverName();
    link(room);
    String deep = event("$deep", room, "[".repeat(5_000) + "]".repeat(5_000));
    String good = event("$good", room, "\"fine\"");

    HttpResponse<String> r = putTransaction("deep", ("{\"events\":[" + deep + "," + good + "]}")
        .getBytes(StandardCharsets.UTF_8));

    assertThat(r.statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> connector.eventIds().contains("$good"));
    assertThat(connector.eventIds()).doesNotContain("$deep");
  }

  @Test
  void transactionsThatAreNotUtf8Are400NotJson() throws Exception {
    start();
    String body = "{\"events\":[" + event("$e", "!room:" + hs.get().serverName(), "\"hi\"") + "]}";
    byte[] withBom = ("\uFEFF" + body).getBytes(StandardCharsets.UTF_8);

    for (byte[] raw : List.of(body.getBytes(StandardCharsets.UTF_16), body.getBytes(StandardCharsets.UTF_16LE),
        withBom)) {
      HttpResponse<String> r = putTransaction("enc" + raw.length + raw[0], raw);
      assertThat(r.statusCode()).isEqualTo(400);
      JsonNode error = JSON.readTree(r.body());
      assertThat(error.path("errcode").asText()).isEqualTo("M_NOT_JSON");
    }
    assertThat(connector.eventIds()).isEmpty();
  }

  @Test
  void guessingTheProvisioningSecretIsSlowedDownAndTheRightOneResetsTheCount() throws Exception {
    start();
    HttpClient http = HttpClient.newHttpClient();
    URI whoami = URI.create("http://127.0.0.1:" + runtime.get().provisioningPort() + ProvisioningServer.PREFIX
        + "/whoami");
    java.util.function.Function<String, HttpResponse<String>> call = secret -> {
      try {
        return http.send(HttpRequest.newBuilder(whoami).header("Authorization", "Bearer " + secret).build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    };

    for (int i = 0; i < 4; i++) {
      assertThat(call.apply("guess-number-" + i + "-xxxxxxxx").statusCode()).isEqualTo(401);
    }
    assertThat(call.apply(SECRET).statusCode()).as("four failures are forgiven").isEqualTo(200);
    for (int i = 0; i < 5; i++) {
      assertThat(call.apply("guess-number-" + i + "-xxxxxxxx").statusCode()).isEqualTo(401);
    }
    HttpResponse<String> blocked = call.apply(SECRET);

    assertThat(blocked.statusCode()).as("even the right secret waits").isEqualTo(429);
    assertThat(JSON.readTree(blocked.body()).path("errcode").asText()).isEqualTo("M_LIMIT_EXCEEDED");
    assertThat(blocked.headers().firstValue("Retry-After")).hasValue("1");
    await().atMost(Duration.ofSeconds(3)).until(() -> call.apply(SECRET).statusCode() == 200);
    assertThat(call.apply("guess-after-reset-xxxxxxxx").statusCode()).as("the count starts again").isEqualTo(401);
  }
}
