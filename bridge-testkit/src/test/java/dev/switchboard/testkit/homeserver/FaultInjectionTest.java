package dev.switchboard.testkit.homeserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.testkit.spec.SpecSchemas;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {
  private static final String WHOAMI = "/_matrix/client/v3/account/whoami";
  private static SpecSchemas spec;
  private TestHomeserver hs;
  private MatrixHttp alice;

  @BeforeAll
  static void loadSpec() {
    spec = SpecSchemas.load();
  }

  @BeforeEach
  void start() {
    hs = TestHomeserver.start(Options.defaults(), spec);
    alice = new MatrixHttp(hs.baseUrl(), hs.user("alice").accessToken());
  }

  @AfterEach
  void stop() {
    hs.close();
  }

  @Test
  void rateLimitedRequestsCarryRetryAfterInBodyAndHeader() throws Exception {
    hs.faults().next(2).rateLimited(Duration.ofMillis(1500));

    MatrixHttp.Answer first = alice.get(WHOAMI);
    MatrixHttp.Answer second = alice.get(WHOAMI);
    MatrixHttp.Answer third = alice.get(WHOAMI);

    assertThat(first.status()).isEqualTo(429);
    assertThat(first.errcode()).isEqualTo("M_LIMIT_EXCEEDED");
    assertThat(first.body().path("retry_after_ms").asLong()).isEqualTo(1500);
    assertThat(first.raw().headers().firstValue("Retry-After")).hasValue("2");
    assertThat(second.status()).isEqualTo(429);
    assertThat(third.status()).isEqualTo(200);
  }

  @Test
  void faultsCanTargetPathsOnly() throws Exception {
    hs.faults().next(1).matching("/send/").serverError();
    String room = hs.user("alice").createRoom();
    String send = "/_matrix/client/v3/rooms/" + MatrixHttp.enc(room) + "/send/m.room.message/1";

    MatrixHttp.Answer other = alice.get(WHOAMI);
    MatrixHttp.Answer failed = alice.put(send, "{\"msgtype\":\"m.text\",\"body\":\"x\"}");
    MatrixHttp.Answer retried = alice.put(send, "{\"msgtype\":\"m.text\",\"body\":\"x\"}");

    assertThat(other.status()).isEqualTo(200);
    assertThat(failed.status()).isEqualTo(500);
    assertThat(failed.errcode()).isEqualTo("M_UNKNOWN");
    assertThat(retried.status()).isEqualTo(200);
    assertThat(hs.timeline(room).stream().filter(e -> e.path("type").asText().equals("m.room.message"))).hasSize(1);
  }

  @Test
  void aSkewedDelayHasTheMedianAndTailItWasGiven() {
    Faults.SkewedDelay d = new Faults.SkewedDelay(Duration.ofMillis(50), Duration.ofMillis(250));
    java.util.Random random = new java.util.Random(19);
    long[] waits = new long[200_000];
    for (int i = 0; i < waits.length; i++) {
      waits[i] = d.sampleNanos(random);
    }
    java.util.Arrays.sort(waits);
    assertThat(waits[waits.length / 2] / 1e6).isBetween(48.0, 52.0);
    assertThat(waits[(int) (waits.length * 0.99)] / 1e6).isBetween(235.0, 265.0);
    assertThat(waits[0]).isPositive();
    assertThatThrownBy(() -> hs.faults().next(1).delaySkewed(Duration.ofMillis(50), Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aDelayedSendWaitsWithinItsRangeAndIsThenProcessed() throws Exception {
    hs.faults().next(3).matching("/send/").delay(Duration.ofMillis(150), Duration.ofMillis(250));
    String room = hs.user("alice").createRoom();

    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      MatrixHttp.Answer sent = alice.put("/_matrix/client/v3/rooms/" + MatrixHttp.enc(room)
          + "/send/m.room.message/d" + i, "{\"msgtype\":\"m.text\",\"body\":\"x\"}");
      assertThat(sent.status()).isEqualTo(200);
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(150L, 1_000L);
    }
    long start = System.nanoTime();
    alice.get(WHOAMI);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(150L);
    assertThatThrownBy(() -> hs.faults().next(1).delay(Duration.ofMillis(2), Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aHungRequestIsNeverAnswered() {
    hs.faults().next(1).hang(Duration.ofSeconds(3));
    var client = java.net.http.HttpClient.newHttpClient();
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(hs.baseUrl() + WHOAMI))
        .timeout(Duration.ofMillis(300)).build();

    assertThatThrownBy(() -> client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(HttpTimeoutException.class);
  }

  @Test
  void duringAnOutageConnectionsAreRefusedAndAfterItTheSamePortAnswers() throws Exception {
    int port = hs.port();

    hs.faults().outage(Duration.ofMillis(500));

    assertThatThrownBy(() -> alice.get(WHOAMI)).isInstanceOf(ConnectException.class);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).ignoreExceptionsInstanceOf(IOException.class)
        .until(() -> alice.get(WHOAMI).status() == 200);
    assertThat(hs.port()).isEqualTo(port);
  }
}
