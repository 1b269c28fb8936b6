package dev.switchboard.core.appservice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.CoreHarness;
import dev.switchboard.core.RecordingConnector;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.AsTransaction;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The testkit homeserver pushes transactions as Synapse does, including a restart that counts txn ids from 1
 * again and the legacy paths of Synapse before 1.81. Every AS API answer is checked against the spec there.
 */
class HomeserverPushTest {
  @TempDir
  Path dir;

  private final RecordingConnector connector = new RecordingConnector("test", "test.local");
  @RegisterExtension
  final Fixture<CoreHarness> core = Fixture.of(
      () -> CoreHarness.start("jdbc:sqlite:" + dir.resolve("b.db"), List.of(connector))).onFirstUse();
  /** Whether the homeserver speaks only the legacy paths; set by a test before it starts. */
  private boolean legacy;
  /** Pushes to core, so it closes first (and fails the test on any schema violation). */
  @RegisterExtension
  final Fixture<TestHomeserver> hs = Fixture.of(this::startHomeserver).onFirstUse();

  private TestHomeserver startHomeserver() {
    int port = core.get().server.port();
    TestHomeserver hs = TestHomeserver.start(
        Options.defaults().legacy(legacy).backoff(Duration.ofMillis(20), Duration.ofMillis(200)));
    hs.registerAppService(AppServiceRegistration.builder("switchboard")
        .url("http://127.0.0.1:" + port)
        .hsToken(CoreHarness.HS_TOKEN).asToken("as-token")
        .senderLocalpart("bot")
        .users("@_test_.*", true)
        .rooms(".*", false)
        .receiveEphemeral(true)
        .build());
    return hs;
  }

  private void start(boolean legacy) {
    this.legacy = legacy;
    hs.get();
  }

  private List<String> say(TestUser user, String room, String prefix, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(user.send(room, prefix + i));
    }
    return ids;
  }

  @ParameterizedTest(name = "legacy={0}")
  @ValueSource(booleans = {false, true})
  void afterAHomeserverRestartThatReusesTxnIdsEveryNewEventIsDispatchedOnce(boolean legacy) throws Exception {
    start(legacy);
    TestUser alice = hs.get().user("alice");
    String room = alice.createRoom();
    core.get().link(room, "test", "net/#chan");
    List<String> expected = new ArrayList<>(say(alice, room, "before ", 5));
    await().atMost(Duration.ofSeconds(10)).until(() -> connector.eventIds().containsAll(expected));
    // The testkit records a transaction once the bridge's answer is back, which can be after dispatch.
    await().atMost(Duration.ofSeconds(10)).until(() -> !hs.get().asTransactions().isEmpty());
    String firstTxnId = hs.get().asTransactions().get(0).txnId();

    hs.get().restart();
    expected.addAll(say(alice, room, "after ", 5));

    await().atMost(Duration.ofSeconds(10)).until(() -> connector.eventIds().containsAll(expected));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(hs.get().asTransactions().stream().filter(AsTransaction::accepted).map(AsTransaction::txnId))
            .as("the homeserver reused txn ids").filteredOn(firstTxnId::equals).hasSizeGreaterThan(1));
    Thread.sleep(300);
    List<String> roomEvents = connector.eventIds().stream().filter(expected::contains).toList();
    assertThat(roomEvents).containsExactlyElementsOf(expected);
  }

  @Test
  void aTrueRetryOfAnAcknowledgedTransactionIsNotDispatchedAgain() throws Exception {
    start(false);
    TestUser alice = hs.get().user("alice");
    String room = alice.createRoom();
    core.get().link(room, "test", "net/#chan");
    List<String> sent = say(alice, room, "m", 3);
    await().atMost(Duration.ofSeconds(10)).until(() -> connector.eventIds().containsAll(sent));
    int before = connector.received.size();

    // The homeserver did not get our 200 and sends the same transaction again.
    HttpClient http = HttpClient.newHttpClient();
    for (AsTransaction t : hs.get().asTransactions()) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
              core.get().url("/_matrix/app/v1/transactions/" + t.txnId()))
          .header("Authorization", "Bearer " + CoreHarness.HS_TOKEN)
          .PUT(HttpRequest.BodyPublishers.ofString(t.body().toString())).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
    Thread.sleep(300);
    assertThat(connector.received).hasSize(before);
  }

  @Test
  void pushFailuresAreRetriedWithTheSameIdAndNothingIsLostOrDoubled() throws Exception {
    start(false);
    TestUser alice = hs.get().user("alice");
    String room = alice.createRoom();
    core.get().link(room, "test", "net/#chan");
    hs.get().faults().failAsPushes(3);
    List<String> sent = say(alice, room, "m", 10);

    await().atMost(Duration.ofSeconds(10)).until(() -> connector.eventIds().containsAll(sent));
    Thread.sleep(200);
    assertThat(connector.eventIds().stream().filter(sent::contains).toList()).containsExactlyElementsOf(sent);
  }
}
