package dev.switchboard.core.homeserver;

import dev.switchboard.testkit.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.switchboard.core.homeserver.StubHomeserver.Answer;
import dev.switchboard.testkit.fixture.Fixture;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppServicePingTest {
  private static final URI BRIDGE = URI.create("http://bridge.internal:9000");
  private static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(50),
      Integer.MAX_VALUE);

  @RegisterExtension
  final Fixture<StubHomeserver> hs = Fixture.of(StubHomeserver::new);
  private ScheduledExecutorService scheduler;
  private HomeserverClient client;
  private AppServicePing ping;
  private LogCapture log;

  @BeforeEach
  void setUp() throws Exception {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    log = new LogCapture(AppServicePing.class);
  }

  private AppServicePing ping(URI homeserver) {
    client = new HomeserverClient(HomeserverClient.Settings.defaults(homeserver, "as_token"), scheduler,
        Clock.systemUTC(), new SplittableRandom(1));
    ping = new AppServicePing(client, "switchboard", BRIDGE, scheduler, Clock.systemUTC(), new SplittableRandom(1),
        FAST);
    return ping;
  }

  @AfterEach
  void tearDown() {
    log.close();
    ping.close();
    client.close();
    scheduler.shutdownNow();
  }

  @Test
  void aSuccessfulPingIsLoggedWithItsDuration() throws Exception {
    hs.get().answer(s -> Answer.ok("{\"duration_ms\":12}"));

    assertThat(ping(hs.get().url()).start().get(5, TimeUnit.SECONDS)).isEqualTo(AppServicePing.Outcome.REACHABLE);

    var seen = hs.get().requests().get(0);
    assertThat(seen.method()).isEqualTo("POST");
    assertThat(seen.rawPath()).isEqualTo("/_matrix/client/v1/appservice/switchboard/ping");
    assertThat(seen.body()).contains("\"transaction_id\":\"switchboard-");
    assertThat(log.lines(Level.INFO)).singleElement().asString().contains(BRIDGE.toString(), "12 ms");
  }

  /** 404 and 405 from Synapse before 1.81 (or any unknown path), 400 from Synapse 1.81 to 1.83. */
  @ParameterizedTest
  @ValueSource(ints = {400, 404, 405})
  void anOldHomeserverIsNotedOnceAndNotAskedAgain(int status) throws Exception {
    hs.get().answer(s -> Answer.error(status, "M_UNRECOGNIZED", "Unrecognized request"));

    assertThat(ping(hs.get().url()).start().get(5, TimeUnit.SECONDS)).isEqualTo(AppServicePing.Outcome.UNSUPPORTED);
    Thread.sleep(300);

    assertThat(hs.get().requests()).hasSize(1);
    assertThat(log.lines(Level.INFO)).singleElement().asString().contains("predates", "1.84");
    assertThat(log.lines(Level.WARN)).isEmpty();
  }

  @Test
  void aHomeserverThatCannotReachTheBridgeIsExplainedOnceAndPingedUntilItCan() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    hs.get().answer(s -> calls.incrementAndGet() <= 5
        ? new Answer(502, "{\"errcode\":\"M_CONNECTION_FAILED\",\"error\":\"refused\"}", java.util.Map.of(), 0)
        : Answer.ok("{\"duration_ms\":3}"));

    assertThat(ping(hs.get().url()).start().get(5, TimeUnit.SECONDS)).isEqualTo(AppServicePing.Outcome.REACHABLE);

    assertThat(hs.get().requests()).hasSize(6);
    assertThat(log.lines(Level.WARN)).singleElement().asString()
        .contains("cannot reach the bridge at " + BRIDGE, "appservice.url");
  }

  @Test
  void aBadTokenSaysWhichFileToCheck() {
    hs.get().answer(s -> Answer.error(403, "M_FORBIDDEN", "Provided access token is not the appservice's as_token"));

    ping(hs.get().url()).start();

    await().atMost(Duration.ofSeconds(5)).until(() -> hs.get().requests().size() >= 12);
    // One WARN for the first failure, one more at the tenth: no spam.
    assertThat(log.lines(Level.WARN)).hasSize(2).first().asString().contains("registration file", "as_token");
  }

  @Test
  void aLastingFailureIsRepeatedAtWarnAfterFifteenMinutes() {
    hs.get().answer(s -> Answer.error(403, "M_FORBIDDEN", "Provided access token is not the appservice's as_token"));
    MutableClock clock = new MutableClock(java.time.Instant.parse("2025-01-01T00:00:00Z"));
    client = new HomeserverClient(HomeserverClient.Settings.defaults(hs.get().url(), "as_token"), scheduler, clock,
        new SplittableRandom(1));
    ping = new AppServicePing(client, "switchboard", BRIDGE, scheduler, clock, new SplittableRandom(1),
        new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(100), Integer.MAX_VALUE));

    ping.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> log.lines(Level.WARN).size() == 1);
    clock.advance(Duration.ofMinutes(16));

    await().atMost(Duration.ofSeconds(5)).until(() -> log.lines(Level.WARN).size() == 2);
    assertThat(log.lines(Level.WARN).get(1)).containsPattern("ping [23] failed");
  }

  @Test
  void anUnreachableHomeserverIsRetriedAndExplained() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    var outcome = ping(URI.create("http://127.0.0.1:" + port)).start();

    // Failures 2..9 are logged at DEBUG only; the tenth gets a reminder.
    await().atMost(Duration.ofSeconds(5)).until(() -> log.lines(Level.DEBUG).size() >= 5);

    assertThat(outcome).isNotDone();
    assertThat(log.lines(Level.WARN)).hasSizeLessThanOrEqualTo(log.lines(Level.DEBUG).size() / 8 + 1).first()
        .asString().contains("Cannot reach the homeserver", "homeserver.url");
  }
}
