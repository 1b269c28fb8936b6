package dev.switchboard.testkit.homeserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.spec.SpecSchemas;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TransactionPusherTest {
  private static SpecSchemas spec;
  private FakeAppService as;
  private TestHomeserver hs;

  @BeforeAll
  static void loadSpec() {
    spec = SpecSchemas.load();
  }

  @BeforeEach
  void startAs() throws Exception {
    as = new FakeAppService();
  }

  @AfterEach
  void stop() {
    if (hs != null) {
      hs.close();
    }
    as.close();
  }

  private AppServiceRegistration register(Options options, boolean ephemeral) {
    hs = TestHomeserver.start(options, spec);
    AppServiceRegistration registration = AppServiceRegistration.builder("irc").url(as.url())
        .senderLocalpart("ircbot").users("@_irc_.*", true).aliases("#_irc_.*", true).receiveEphemeral(ephemeral)
        .build();
    hs.registerAppService(registration);
    this.registration = registration;
    return registration;
  }

  private AppServiceRegistration registration;

  // Like a bridge bot: invited, then joins over HTTP with the AS token.
  private String roomWithBot(TestUser alice) {
    String room = alice.createRoom(RoomSpec.publicRoom());
    alice.invite(room, "@ircbot:test.local");
    try {
      var joined = new MatrixHttp(hs.baseUrl(), registration.asToken())
          .post("/_matrix/client/v3/rooms/" + MatrixHttp.enc(room) + "/join", "{}");
      assertThat(joined.status()).isEqualTo(200);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return room;
  }

  private static List<String> bodies(List<FakeAppService.Received> txns) {
    List<String> out = new ArrayList<>();
    txns.forEach(t -> t.body().path("events").forEach(e -> {
      if (e.path("type").asText().equals("m.room.message")) {
        out.add(e.path("content").path("body").asText());
      }
    }));
    return out;
  }

  @Test
  void eventsReachTheAppServiceInOrderWithTheHsToken() {
    AppServiceRegistration reg = register(Options.defaults(), false);
    TestUser alice = hs.user("alice");
    String room = roomWithBot(alice);

    for (int i = 0; i < 20; i++) {
      alice.send(room, "m" + i);
    }

    await().atMost(Duration.ofSeconds(5)).until(() -> bodies(as.transactions()).size() == 20);
    assertThat(bodies(as.transactions())).containsExactlyElementsOf(
        java.util.stream.IntStream.range(0, 20).mapToObj(i -> "m" + i).toList());
    FakeAppService.Received first = as.transactions().get(0);
    assertThat(first.uri()).isEqualTo("/_matrix/app/v1/transactions/1");
    assertThat(first.method()).isEqualTo("PUT");
    assertThat(first.authorization()).isEqualTo("Bearer " + reg.hsToken());
    assertThat(first.body().path("events").get(0).path("type").asText()).isEqualTo("m.room.member");
    assertThat(spec.validate("data/api/application-service/transactions.yaml#/paths/~1transactions~1{txnId}/put"
        + "/requestBody/content/application~1json/schema", first.body())).isEmpty();
  }

  @Test
  void eventsInRoomsWithoutTheAppServiceAreNotPushed() {
    register(Options.defaults(), false);
    TestUser alice = hs.user("alice");
    String room = alice.createRoom();
    alice.send(room, "private");
    String bridged = roomWithBot(alice);
    alice.send(bridged, "bridged");

    await().atMost(Duration.ofSeconds(5)).until(() -> bodies(as.transactions()).contains("bridged"));
    assertThat(bodies(as.transactions())).doesNotContain("private");
  }

  @Test
  void onlyOneTransactionIsInFlightAndLaterEventsAreBatched() throws Exception {
    register(Options.defaults(), false);
    CountDownLatch release = new CountDownLatch(1);
    as.responder = r -> {
      try {
        release.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new FakeAppService.Reply(200, "{}");
    };
    TestUser alice = hs.user("alice");
    String room = roomWithBot(alice);
    await().atMost(Duration.ofSeconds(2)).until(() -> as.transactions().size() == 1);

    for (int i = 0; i < 5; i++) {
      alice.send(room, "while blocked " + i);
    }
    Thread.sleep(200);
    assertThat(as.transactions()).hasSize(1);
    release.countDown();

    await().atMost(Duration.ofSeconds(5)).until(() -> bodies(as.transactions()).size() == 5);
    assertThat(as.maxInFlight.get()).isEqualTo(1);
    assertThat(as.transactions()).hasSize(2);
    assertThat(as.transactions().get(1).uri()).endsWith("/transactions/2");
  }

  @Test
  void aFailedTransactionIsRetriedWithTheSameIdAndBodyAfterABackoff() {
    register(Options.defaults().backoff(Duration.ofMillis(50), Duration.ofMillis(400)), false);
    as.responder = r -> as.transactions().size() <= 3 ? new FakeAppService.Reply(500, "{\"errcode\":\"M_UNKNOWN\"}")
        : new FakeAppService.Reply(200, "{}");
    TestUser alice = hs.user("alice");
    roomWithBot(alice);

    await().atMost(Duration.ofSeconds(5)).until(() -> hs.asTransactions().stream().anyMatch(AsTransaction::accepted));
    List<AsTransaction> attempts = hs.asTransactions().stream().filter(t -> t.txnId().equals("1")).toList();
    assertThat(attempts).extracting(AsTransaction::status).containsExactly(500, 500, 500, 200);
    assertThat(attempts).extracting(AsTransaction::body).containsOnly(attempts.get(0).body());
    // 50, 100, 200 ms between attempts: the gaps grow.
    long gap1 = Duration.between(attempts.get(0).at(), attempts.get(1).at()).toMillis();
    long gap3 = Duration.between(attempts.get(2).at(), attempts.get(3).at()).toMillis();
    assertThat(gap1).isGreaterThanOrEqualTo(40);
    assertThat(gap3).isGreaterThan(gap1);
    // A 500 on a transaction is not in the spec: the testkit says so.
    assertThat(hs.schemaViolations()).isNotEmpty()
        .allSatisfy(v -> assertThat(v.message()).contains("status 500 is not documented"));
    hs.clearSchemaViolations();
  }

  @Test
  void injectedPushFailuresAreRetriedToo() {
    register(Options.defaults(), false);
    hs.faults().failAsPushes(2);
    TestUser alice = hs.user("alice");
    roomWithBot(alice);

    await().atMost(Duration.ofSeconds(5)).until(() -> as.transactions().size() >= 1);
    assertThat(hs.asTransactions()).extracting(AsTransaction::status).startsWith(0, 0, 200);
    assertThat(hs.asTransactions().subList(0, 3)).extracting(AsTransaction::txnId).containsOnly("1");
    assertThat(as.transactions().get(0).uri()).endsWith("/transactions/1");
  }

  @Test
  void aRestartReusesTransactionIdsAfterResendingTheOneInFlight() {
    register(Options.defaults(), false);
    as.responder = r -> new FakeAppService.Reply(503, "{\"errcode\":\"M_UNKNOWN\"}");
    TestUser alice = hs.user("alice");
    String room = roomWithBot(alice);
    alice.send(room, "before");
    await().atMost(Duration.ofSeconds(2)).until(() -> as.transactions().size() >= 1);
    hs.faults().pauseAsPushes();
    // The first transaction (the invite) keeps failing; the rest waits behind it.

    hs.restart();
    as.responder = r -> new FakeAppService.Reply(200, "{}");
    alice.send(room, "after");
    hs.faults().resumeAsPushes();

    await().atMost(Duration.ofSeconds(5)).until(() -> bodies(as.transactions()).contains("after"));
    List<String> ids = as.transactions().stream().map(t -> t.uri().substring(t.uri().lastIndexOf('/') + 1))
        .distinct().toList();
    assertThat(ids).startsWith("1");
    assertThat(as.transactions().stream().filter(t -> t.uri().endsWith("/transactions/1")).map(t -> t.body())
        .distinct()).hasSizeGreaterThanOrEqualTo(2);
    hs.clearSchemaViolations();
  }

  @Test
  void typingAndReceiptsArePushedAsEphemeralWhenAsked() {
    register(Options.defaults(), true);
    TestUser alice = hs.user("alice");
    String room = roomWithBot(alice);
    String eventId = alice.send(room, "hi");

    alice.typing(room, true);
    alice.readReceipt(room, eventId);

    await().atMost(Duration.ofSeconds(5)).until(() -> as.transactions().stream()
        .flatMap(t -> stream(t.body().path("ephemeral"))).count() == 2);
    List<JsonNode> ephemeral = as.transactions().stream().flatMap(t -> stream(t.body().path("ephemeral"))).toList();
    assertThat(ephemeral).extracting(e -> e.path("type").asText()).containsExactly("m.typing", "m.receipt");
    assertThat(ephemeral.get(0).path("room_id").asText()).isEqualTo(room);
  }

  @Test
  void legacyModePushesUnprefixedWithTheTokenInTheQuery() {
    AppServiceRegistration reg = register(Options.defaults().legacy(true), false);
    roomWithBot(hs.user("alice"));

    await().atMost(Duration.ofSeconds(5)).until(() -> as.transactions().size() >= 1);
    FakeAppService.Received first = as.transactions().get(0);
    assertThat(first.uri()).isEqualTo("/transactions/1?access_token=" + reg.hsToken());
    assertThat(first.authorization()).isNull();
  }

  private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    array.forEach(out::add);
    return out.stream();
  }
}
