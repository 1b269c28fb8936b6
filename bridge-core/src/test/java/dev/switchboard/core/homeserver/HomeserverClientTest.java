package dev.switchboard.core.homeserver;

import dev.switchboard.testkit.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.homeserver.StubHomeserver.Answer;
import dev.switchboard.core.id.UserId;
import dev.switchboard.testkit.fixture.Fixture;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HomeserverClientTest {
  private static final String TOKEN = "as_secret_token";
  private static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(100), 5);

  @RegisterExtension
  final Fixture<StubHomeserver> hs = Fixture.of(StubHomeserver::new);
  private ScheduledExecutorService scheduler;
  private HomeserverClient client;

  @BeforeEach
  void setUp() throws Exception {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    client = client(hs.get().url(), Duration.ofSeconds(5));
  }

  private HomeserverClient client(URI url, Duration timeout) {
    return new HomeserverClient(HomeserverClient.Settings.defaults(url, TOKEN)
        .withRetries(FAST, FAST).withTimeouts(Duration.ofSeconds(2), timeout), scheduler, Clock.systemUTC(),
        new SplittableRandom(1));
  }

  @AfterEach
  void tearDown() {
    client.close();
    scheduler.shutdownNow();
  }

  private static MatrixRequest whoami() {
    return MatrixRequest.get(MatrixRequest.CLIENT_V3 + "/account/whoami");
  }

  @Test
  void theTokenTravelsInTheAuthorizationHeaderOnly() throws Exception {
    client.call(whoami().as(UserId.of("@_irc_alice:example.org"))).get(5, TimeUnit.SECONDS);

    StubHomeserver.Seen seen = hs.get().requests().get(0);
    assertThat(seen.header("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(seen.rawQuery()).doesNotContain(TOKEN).doesNotContain("access_token");
    assertThat(seen.rawPath()).doesNotContain(TOKEN);
  }

  @Test
  void aGhostIsAssertedWithAnEncodedUserIdQuery() throws Exception {
    client.call(whoami().as(UserId.of("@_irc_al ice+x:example.org"))).get(5, TimeUnit.SECONDS);

    assertThat(hs.get().requests().get(0).rawQuery()).isEqualTo("user_id=%40_irc_al%20ice%2Bx%3Aexample.org");
  }

  @Test
  void pathSegmentsArePercentEncoded() throws Exception {
    String path = MatrixRequest.path(MatrixRequest.CLIENT_V3, "directory", "room", "#_irc_libera_#java:example.org");
    client.call(MatrixRequest.get(path)).get(5, TimeUnit.SECONDS);
    client.call(MatrixRequest.put(MatrixRequest.path(MatrixRequest.CLIENT_V3, "rooms", "!abc:example.org", "redact",
        "$ev/1+2", "t1"), JsonNodeFactory.instance.objectNode())).get(5, TimeUnit.SECONDS);

    assertThat(hs.get().requests().get(0).rawPath())
        .isEqualTo("/_matrix/client/v3/directory/room/%23_irc_libera_%23java%3Aexample.org");
    assertThat(hs.get().requests().get(1).rawPath())
        .isEqualTo("/_matrix/client/v3/rooms/%21abc%3Aexample.org/redact/%24ev%2F1%2B2/t1");
  }

  @Test
  void aRateLimitedRequestIsRetriedAfterRetryAfterMs() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    hs.get().answer(s -> calls.getAndIncrement() == 0
        ? new Answer(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"slow down\",\"retry_after_ms\":600}",
            Map.of(), 0)
        : Answer.ok("{\"user_id\":\"@bot:example.org\"}"));

    JsonNode body = client.call(whoami()).get(5, TimeUnit.SECONDS);

    assertThat(body.path("user_id").asText()).isEqualTo("@bot:example.org");
    var seen = hs.get().requests();
    assertThat(seen).hasSize(2);
    long gapMs = (seen.get(1).nanos() - seen.get(0).nanos()) / 1_000_000;
    assertThat(gapMs).isBetween(590L, 1500L);
  }

  @Test
  void aRetryAfterHeaderInSecondsIsHonoured() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    hs.get().answer(s -> calls.getAndIncrement() == 0
        ? new Answer(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"slow down\"}", Map.of("Retry-After", "1"), 0)
        : Answer.ok("{}"));

    client.call(whoami()).get(5, TimeUnit.SECONDS);

    var seen = hs.get().requests();
    assertThat((seen.get(1).nanos() - seen.get(0).nanos()) / 1_000_000).isBetween(990L, 2500L);
  }

  @Test
  void serverErrorsAreRetriedUntilTheHomeserverAnswers() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    hs.get().answer(s -> calls.getAndIncrement() < 3 ? Answer.error(500, "M_UNKNOWN", "boom") : Answer.ok("{\"a\":1}"));

    JsonNode body = client.call(whoami()).get(5, TimeUnit.SECONDS);

    assertThat(body.path("a").asInt()).isEqualTo(1);
    assertThat(hs.get().requests()).hasSize(4);
  }

  @Test
  void anOutageIsLoggedOnceAndItsEndOnceNotPerRequest() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    hs.get().answer(s -> calls.incrementAndGet() <= 12 ? Answer.error(503, "M_UNKNOWN", "starting up")
        : Answer.ok("{}"));

    try (LogCapture log = new LogCapture(HomeserverClient.class)) {
      var calls3 = java.util.stream.IntStream.range(0, 3).mapToObj(i -> client.call(whoami(), RetryPolicy.FOREVER))
          .toList();
      java.util.concurrent.CompletableFuture.allOf(calls3.toArray(java.util.concurrent.CompletableFuture[]::new))
          .get(10, TimeUnit.SECONDS);

      String me = hs.get().url().toString();
      assertThat(log.lines(ch.qos.logback.classic.Level.WARN)).filteredOn(l -> l.contains(me)).singleElement()
          .asString().contains("unavailable", "503");
      assertThat(log.lines(ch.qos.logback.classic.Level.INFO)).filteredOn(l -> l.contains(me)).singleElement()
          .asString().contains("answers again");
    }
  }

  @Test
  void aForbiddenRequestFailsAtOnceWithItsErrcode() {
    hs.get().answer(s -> Answer.error(403, "M_FORBIDDEN", "not in room"));

    assertThatThrownBy(() -> client.call(whoami()).get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(MatrixException.class, e -> {
          assertThat(e.status()).isEqualTo(403);
          assertThat(e.errcode()).isEqualTo("M_FORBIDDEN");
          assertThat(e.error()).isEqualTo("not in room");
        });
    assertThat(hs.get().requests()).hasSize(1);
  }

  @Test
  void aNonJsonErrorPageStillBecomesAMatrixException() {
    hs.get().answer(s -> new Answer(404, "<html>nope</html>", Map.of(), 0));

    assertThatThrownBy(() -> client.call(whoami()).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(MatrixException.class,
            e -> assertThat(e.errcode()).isEqualTo("M_UNRECOGNIZED"));
  }

  @Test
  void anInteractiveCallToAnUnreachableHomeserverGivesUpAfterItsAttempts() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    HomeserverClient down = client(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2));

    try {
      assertThatThrownBy(() -> down.call(whoami()).get(10, TimeUnit.SECONDS))
          .cause().isInstanceOf(ConnectException.class);
    } finally {
      down.close();
    }
  }

  @Test
  void aSlowAnswerTimesOutAndIsRetried() throws Exception {
    client = client(hs.get().url(), Duration.ofMillis(300));
    AtomicInteger calls = new AtomicInteger();
    hs.get().answer(s -> calls.getAndIncrement() == 0 ? new Answer(200, "{\"slow\":true}", Map.of(), 1500)
        : Answer.ok("{\"slow\":false}"));

    JsonNode body = client.call(whoami()).get(5, TimeUnit.SECONDS);

    assertThat(body.path("slow").asBoolean()).isFalse();
    assertThat(hs.get().requests()).hasSize(2);
  }

  @Test
  void aRequestThatMayHaveTakenEffectIsNotRetriedWhenNotIdempotent() {
    client = client(hs.get().url(), Duration.ofMillis(300));
    hs.get().answer(s -> new Answer(200, "{\"room_id\":\"!r:example.org\"}", Map.of(), 1000));

    assertThatThrownBy(() -> client.call(MatrixRequest.post(MatrixRequest.CLIENT_V3 + "/createRoom",
        JsonNodeFactory.instance.objectNode()).notIdempotent()).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOf(HttpTimeoutException.class);
    assertThat(hs.get().requests()).hasSize(1);
  }

  @Test
  void closingFailsCallsWaitingForARetry() {
    hs.get().answer(s -> Answer.error(503, "M_UNKNOWN", "down"));
    var call = client.call(whoami(), RetryPolicy.FOREVER);

    client.close();

    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(IllegalStateException.class);
  }
}
