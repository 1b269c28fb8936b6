package dev.switchboard.core.homeserver;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.RecordedRequest;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The homeserver client, intents, outbound queue and AS ping against the testkit homeserver, which also checks every
 * request against the Matrix spec schemas (a violation fails the test on close).
 */
class TestHomeserverIntentsTest {
  private static final String SERVER = "test.local";
  private static final UserId BOT = UserId.of("@switchboard:" + SERVER);
  private static final UserId ALICE = UserId.of("@_irc_alice:" + SERVER);
  private static final UserId BOB = UserId.of("@_irc_bob:" + SERVER);

  @TempDir
  Path tmp;
  /** The homeserver's options, chosen by a test before it starts the homeserver. */
  private Options options = Options.defaults();
  @RegisterExtension
  final Fixture<TestHomeserver> hs = HomeserverFixture.start(() -> options.serverName(SERVER)).onFirstUse();
  private AppServiceRegistration registration;
  private BridgeSide bridge;
  private HttpServer asApi;

  private void start(Options options, String asUrl) {
    this.options = options;
    registration = AppServiceRegistration.builder("switchboard")
        .url(asUrl)
        .senderLocalpart("switchboard")
        .users("@_irc_.*:" + SERVER.replace(".", "\\."), true)
        .build();
    hs.get().registerAppService(registration);
  }

  private BridgeSide bridge(RetryPolicy queued) {
    return new BridgeSide(URI.create(hs.get().baseUrl()), registration.asToken(), BOT, tmp.resolve("bridge.db"), queued)
        .started();
  }

  private void startWithBridge() {
    start(Options.defaults(), null);
    bridge = bridge(BridgeSide.FAST);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (bridge != null) {
      bridge.close();
    }
    if (asApi != null) {
      asApi.stop(0);
    }
    // The homeserver fixture closes last, and fails the test on any spec violation.
  }

  private static ObjectNode text(String body) {
    return JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", body);
  }

  /** The message bodies in the room, oldest first. */
  private List<String> bodies(String roomId) {
    return hs.get().timeline(roomId).stream().filter(e -> e.path("type").asText().equals("m.room.message"))
        .map(e -> e.path("content").path("body").asText()).toList();
  }

  /** A room created by a Matrix user, with the bot invited (as a portal or plumbed room would be). */
  private String room(RoomSpec spec) {
    TestUser owner = hs.get().user("owner");
    return owner.createRoom(spec.invite(BOT.value()));
  }

  @Test
  void aGhostIsRegisteredJoinedAndSendsAMessage() throws Exception {
    startWithBridge();
    String room = room(RoomSpec.publicRoom());

    EventId id = bridge.intents.ghost(ALICE).sendMessage(RoomId.of(room), text("hello from IRC"), "libera/1")
        .get(10, TimeUnit.SECONDS);

    JsonNode event = hs.get().awaitEvent(room, ALICE.value(), e -> e.path("event_id").asText().equals(id.value()),
        Duration.ofSeconds(5));
    assertThat(event.path("content").path("body").asText()).isEqualTo("hello from IRC");
    assertThat(hs.get().userExists(ALICE.value())).isTrue();
    assertThat(hs.get().members(room)).containsEntry(ALICE.value(), "join");
    assertThat(hs.get().requests("PUT", "/send/m\\.room\\.message/")).singleElement()
        .satisfies(r -> assertThat(r.userId()).isEqualTo(ALICE.value()));
  }

  @Test
  void anAlreadyRegisteredGhostCountsAsRegistered() throws Exception {
    startWithBridge();
    String room = room(RoomSpec.publicRoom());
    // A previous run of the bridge registered Alice; this run does not know it.
    try (BridgeSide earlier = new BridgeSide(URI.create(hs.get().baseUrl()), registration.asToken(), BOT,
        tmp.resolve("earlier.db"), BridgeSide.FAST).started()) {
      earlier.intents.ghost(ALICE).ensureRegistered().get(10, TimeUnit.SECONDS);
    }

    bridge.intents.ghost(ALICE).sendMessage(RoomId.of(room), text("still me"), "k").get(10, TimeUnit.SECONDS);

    assertThat(hs.get().requests("POST", "/register$")).hasSize(2)
        .last().satisfies(r -> assertThat(r.status()).isEqualTo(400));
    assertThat(bodies(room)).containsExactly("still me");
  }

  @Test
  void aForbiddenJoinMakesTheBotInviteTheGhostAndTheJoinSucceeds() throws Exception {
    startWithBridge();
    String room = room(RoomSpec.privateRoom());

    bridge.intents.ghost(ALICE).sendMessage(RoomId.of(room), text("let me in"), "k").get(10, TimeUnit.SECONDS);

    assertThat(hs.get().members(room)).containsEntry(ALICE.value(), "join").containsEntry(BOT.value(), "join");
    List<RecordedRequest> joins = hs.get().requests("POST", "/join$").stream()
        .filter(r -> ALICE.value().equals(r.userId())).toList();
    assertThat(joins).extracting(RecordedRequest::status).containsExactly(403, 200);
    assertThat(hs.get().requests("POST", "/invite$")).singleElement()
        .satisfies(r -> assertThat(r.userId()).isEqualTo(BOT.value()));
    assertThat(bodies(room)).containsExactly("let me in");
  }

  @Test
  void aRateLimitedSendIsRetriedAfterRetryAfterMs() throws Exception {
    startWithBridge();
    String room = room(RoomSpec.publicRoom());
    Intent alice = bridge.intents.ghost(ALICE);
    alice.ensureJoined(RoomId.of(room)).get(10, TimeUnit.SECONDS);
    hs.get().faults().next(1).matching("/send/").rateLimited(Duration.ofMillis(700), true, false);

    alice.sendMessage(RoomId.of(room), text("patience"), "k").get(10, TimeUnit.SECONDS);

    List<RecordedRequest> sends = hs.get().requests("PUT", "/send/");
    assertThat(sends).extracting(RecordedRequest::status).containsExactly(429, 200);
    assertThat(Duration.between(sends.get(0).at(), sends.get(1).at()).toMillis()).isBetween(680L, 2000L);
    assertThat(bodies(room)).containsExactly("patience");
  }

  @Test
  void theSameTxnKeyIsPostedOnce() throws Exception {
    startWithBridge();
    String room = room(RoomSpec.publicRoom());
    Intent alice = bridge.intents.ghost(ALICE);

    EventId first = alice.sendMessage(RoomId.of(room), text("once"), "libera/msgid-7").get(10, TimeUnit.SECONDS);
    EventId again = alice.sendMessage(RoomId.of(room), text("once"), "libera/msgid-7").get(10, TimeUnit.SECONDS);

    assertThat(again).isEqualTo(first);
    assertThat(bodies(room)).containsExactly("once");
    List<RecordedRequest> sends = hs.get().requests("PUT", "/send/");
    assertThat(sends).hasSize(2);
    assertThat(sends.get(0).path()).isEqualTo(sends.get(1).path())
        .endsWith("/" + TransactionIds.derive(ALICE, RoomId.of(room), "send", "libera/msgid-7"));
  }

  @Test
  void pendingRowsAreDeliveredOnceAfterARestartOnTheSameDatabase() throws Exception {
    startWithBridge();
    String room = room(RoomSpec.publicRoom());
    Intent alice = bridge.intents.ghost(ALICE);
    alice.ensureJoined(RoomId.of(room)).get(10, TimeUnit.SECONDS);
    // Every send fails while the first bridge runs, so its rows are still queued when it stops.
    hs.get().faults().next(1_000).matching("/send/").serverError(503);
    for (int i = 0; i < 5; i++) {
      alice.sendMessage(RoomId.of(room), text("queued " + i), "restart-" + i);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == 5
        && !hs.get().requests("PUT", "/send/").isEmpty());
    bridge.close();
    hs.get().faults().clear();

    bridge = bridge(BridgeSide.FAST);

    await().atMost(Duration.ofSeconds(10)).until(() -> bodies(room).size() == 5);
    assertThat(bodies(room)).containsExactly("queued 0", "queued 1", "queued 2", "queued 3", "queued 4");
    await().atMost(Duration.ofSeconds(2)).until(() -> bridge.queuedRows() == 0);
    Thread.sleep(300);
    assertThat(bodies(room)).hasSize(5);
  }

  /**
   * A room's next request starts once the homeserver accepted the previous one, not once that row's delete is
   * committed: with every database write held up, all the queued rows still go out, in order, each once.
   */
  @Test
  void aRoomsNextSendDoesNotWaitForThePreviousRowsDelete() throws Exception {
    start(Options.defaults(), null);
    bridge = new BridgeSide(URI.create(hs.get().baseUrl()), registration.asToken(), BOT, tmp.resolve("bridge.db"),
        BridgeSide.FAST);
    String room = room(RoomSpec.publicRoom());
    Intent alice = bridge.intents.ghost(ALICE);
    List<CompletableFuture<EventId>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(alice.sendMessage(RoomId.of(room), text("m" + i), "nowait-" + i));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> bridge.queuedRows() == 20);
    java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Thread blocker = new Thread(() -> bridge.database.inTransaction(c -> {
      holding.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }));
    blocker.start();
    try {
      assertThat(holding.await(20, TimeUnit.SECONDS)).isTrue();
      bridge.started();

      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(bodies(room)).containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(n -> "m" + n).toList());
    } finally {
      release.countDown();
      blocker.join(20_000);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> bridge.queuedRows() == 0);
    assertThat(hs.get().requests("PUT", "/send/")).hasSize(20);
  }

  /** Rows of several rooms share commits (group commit); each room still gets its messages in order, once. */
  @Test
  void manyMessagesIntoSeveralRoomsAtOnceArriveInOrderOnce() throws Exception {
    startWithBridge();
    List<String> rooms = List.of(room(RoomSpec.publicRoom()), room(RoomSpec.publicRoom()),
        room(RoomSpec.publicRoom()));
    List<CompletableFuture<EventId>> sent = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      for (String room : rooms) {
        Intent ghost = bridge.intents.ghost(i % 2 == 0 ? ALICE : BOB);
        sent.add(ghost.sendMessage(RoomId.of(room), text(room + " #" + i), "burst-" + i));
      }
    }

    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    for (String room : rooms) {
      assertThat(bodies(room)).containsExactlyElementsOf(
          IntStream.range(0, 150).mapToObj(n -> room + " #" + n).toList());
    }
    assertThat(sent.stream().map(CompletableFuture::join).distinct()).hasSize(450);
    await().atMost(Duration.ofSeconds(20)).until(() -> bridge.queuedRows() == 0);
  }

  /**
   * The foundation issue's must-show: a real 30-second outage (connections refused) with messages sent during it;
   * everything arrives afterwards, in order per room, nothing twice.
   */
  @Test
  void messagesSentDuringAThirtySecondOutageAllArriveInOrderWithoutDuplicates() throws Exception {
    start(Options.defaults(), null);
    // Production caps the backoff at 30 s; 2 s keeps the wait after the outage short.
    bridge = bridge(new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(2), Integer.MAX_VALUE));
    List<String> rooms = List.of(room(RoomSpec.publicRoom()), room(RoomSpec.privateRoom()));
    List<Intent> ghosts = List.of(bridge.intents.ghost(ALICE), bridge.intents.ghost(BOB));
    for (String room : rooms) {
      for (Intent ghost : ghosts) {
        ghost.ensureJoined(RoomId.of(room)).get(10, TimeUnit.SECONDS);
      }
    }

    hs.get().faults().outage(Duration.ofSeconds(30));
    long outageStart = System.nanoTime();
    List<CompletableFuture<EventId>> sent = new ArrayList<>();
    for (int wave = 0; wave < 3; wave++) {
      for (int i = 0; i < 10; i++) {
        for (String room : rooms) {
          Intent ghost = ghosts.get(i % 2);
          sent.add(ghost.sendMessage(RoomId.of(room), text(room + " #" + (wave * 10 + i)), "outage-" + wave + "-" + i));
        }
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == sent.size());
      if (wave < 2) {
        Thread.sleep(9_000);
      }
    }
    assertThat(hs.get().faults().isDown()).isTrue();
    assertThat(sent).noneMatch(CompletableFuture::isDone);

    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    assertThat(Duration.ofNanos(System.nanoTime() - outageStart)).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
    for (String room : rooms) {
      assertThat(bodies(room)).containsExactlyElementsOf(
          IntStream.range(0, 30).mapToObj(n -> room + " #" + n).toList());
    }
    assertThat(sent.stream().map(CompletableFuture::join).distinct()).hasSize(60);
    // The future completes once the homeserver accepted; the row's delete follows asynchronously.
    await().atMost(Duration.ofSeconds(20)).until(() -> bridge.queuedRows() == 0);
  }

  @Test
  void powerLevelEditsMadeAtOnceAllLandAndADemotionIsNotUndone() throws Exception {
    startWithBridge();
    String room = room(RoomSpec.publicRoom());
    Intent bot = bridge.intents.bot();
    RoomId roomId = RoomId.of(room);
    bot.ensureJoined(roomId).get(10, TimeUnit.SECONDS);
    hs.get().user("owner").setPowerLevel(room, BOT.value(), 100);
    hs.get().user("owner").setPowerLevel(room, ALICE.value(), 50);

    // Without one edit at a time, each of these would read the same content and the last write would win: the
    // demotion of alice, or most of the promotions, would be lost.
    List<CompletableFuture<Boolean>> edits = new ArrayList<>();
    edits.add(StateEdits.edit(bot, roomId, "m.room.power_levels", "",
        content -> content.with("users").remove(ALICE.value()) != null));
    for (int i = 0; i < 12; i++) {
      String user = "@_irc_op" + i + ":" + SERVER;
      edits.add(StateEdits.edit(bot, roomId, "m.room.power_levels", "", content -> {
        content.with("users").put(user, 50);
        return true;
      }));
    }
    CompletableFuture.allOf(edits.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    JsonNode users = bot.getState(roomId, "m.room.power_levels", "").get(10, TimeUnit.SECONDS).path("users");
    assertThat(users.has(ALICE.value())).as("alice's demotion kept").isFalse();
    for (int i = 0; i < 12; i++) {
      assertThat(users.path("@_irc_op" + i + ":" + SERVER).asInt()).as("op" + i).isEqualTo(50);
    }
    assertThat(users.path(BOT.value()).asInt()).isEqualTo(100);
    // An edit that changes nothing sends nothing.
    assertThat(StateEdits.edit(bot, roomId, "m.room.power_levels", "", content -> false).get(10, TimeUnit.SECONDS))
        .isFalse();
  }

  @Test
  void stateProfileAliasesAndMediaWork() throws Exception {
    startWithBridge();
    String room = room(RoomSpec.publicRoom());
    Intent bot = bridge.intents.bot();
    Intent alice = bridge.intents.ghost(ALICE);
    RoomId roomId = RoomId.of(room);
    bot.ensureJoined(roomId).get(10, TimeUnit.SECONDS);
    hs.get().user("owner").setPowerLevel(room, BOT.value(), 100);

    bot.sendState(roomId, "m.room.topic", "", JsonNodeFactory.instance.objectNode().put("topic", "IRC #java"))
        .get(10, TimeUnit.SECONDS);
    assertThat(bot.getState(roomId, "m.room.topic", "").get(10, TimeUnit.SECONDS).path("topic").asText())
        .isEqualTo("IRC #java");

    alice.setDisplayName("alice (IRC)").get(10, TimeUnit.SECONDS);
    assertThat(hs.get().displayName(ALICE.value())).isEqualTo("alice (IRC)");
    String mxc = alice.uploadMedia("png bytes".getBytes(StandardCharsets.UTF_8), "image/png", "avatar.png")
        .get(10, TimeUnit.SECONDS);
    assertThat(mxc).startsWith("mxc://");
    alice.setAvatarUrl(mxc).get(10, TimeUnit.SECONDS);

    RoomAlias alias = RoomAlias.of("#_irc_libera_#java:" + SERVER);
    bot.createAlias(alias, roomId).get(10, TimeUnit.SECONDS);
    assertThat(bot.resolveAlias(alias).get(10, TimeUnit.SECONDS)).contains(roomId);
    bot.deleteAlias(alias).get(10, TimeUnit.SECONDS);
    assertThat(bot.resolveAlias(alias).get(10, TimeUnit.SECONDS)).isEmpty();

    EventId hello = alice.sendMessage(roomId, text("to be redacted"), "r1").get(10, TimeUnit.SECONDS);
    alice.setTyping(roomId, true, 10_000).get(10, TimeUnit.SECONDS);
    alice.sendReadReceipt(roomId, hello).get(10, TimeUnit.SECONDS);
    alice.redact(roomId, hello, "oops", "redact-r1").get(10, TimeUnit.SECONDS);
    assertThat(hs.get().timeline(room)).anySatisfy(e -> {
      assertThat(e.path("type").asText()).isEqualTo("m.room.redaction");
      assertThat(e.path("redacts").asText(e.path("content").path("redacts").asText())).isEqualTo(hello.value());
    });

    RoomId created = bot.createRoom(JsonNodeFactory.instance.objectNode().put("preset", "private_chat"))
        .get(10, TimeUnit.SECONDS);
    bot.invite(created, BOB).get(10, TimeUnit.SECONDS);
    bridge.intents.ghost(BOB).ensureJoined(created).get(10, TimeUnit.SECONDS);
    bot.kick(created, BOB, "bye").get(10, TimeUnit.SECONDS);
    assertThat(hs.get().members(created.value())).containsEntry(BOB.value(), "leave");
    bot.ban(created, BOB, "really bye").get(10, TimeUnit.SECONDS);
    assertThat(hs.get().members(created.value())).containsEntry(BOB.value(), "ban");
    alice.leave(roomId).get(10, TimeUnit.SECONDS);
    assertThat(hs.get().members(room)).containsEntry(ALICE.value(), "leave");
  }

  @Test
  void aGhostSetsItsPresenceAndARefusedUpdateFailsNothing() throws Exception {
    startWithBridge();
    Intent alice = bridge.intents.ghost(ALICE);

    alice.setPresence("unavailable", Optional.of("lunch")).get(10, TimeUnit.SECONDS);
    assertThat(hs.get().presence(ALICE.value()).presence()).isEqualTo("unavailable");
    assertThat(hs.get().presence(ALICE.value()).statusMsg()).isEqualTo("lunch");
    assertThat(hs.get().requests("PUT", "/presence/")).singleElement()
        .satisfies(r -> assertThat(r.userId()).isEqualTo(ALICE.value()));

    hs.get().faults().next(1).matching("/presence/").serverError(400);
    alice.setPresence("online", Optional.empty()).get(10, TimeUnit.SECONDS);
    assertThat(hs.get().presence(ALICE.value()).presence()).isEqualTo("unavailable");

    alice.setPresence("online", Optional.empty()).get(10, TimeUnit.SECONDS);
    assertThat(hs.get().presence(ALICE.value()).presence()).isEqualTo("online");
    assertThat(hs.get().presence(ALICE.value()).statusMsg()).isNull();
  }

  // ---- AS ping

  private AppServicePing ping(URI homeserver) {
    return new AppServicePing(bridge.client, registration.id(), URI.create(String.valueOf(registration.url())),
        bridge.scheduler, Clock.systemUTC(), new SplittableRandom(1),
        new RetryPolicy(Duration.ofMillis(50), Duration.ofMillis(200), Integer.MAX_VALUE));
  }

  @Test
  void aPingTheBridgeAnswersIsReachable() throws Exception {
    asApi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    asApi.createContext("/_matrix/app/v1/ping", ex -> {
      byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, ok.length);
      ex.getResponseBody().write(ok);
      ex.close();
    });
    asApi.start();
    start(Options.defaults(), "http://127.0.0.1:" + asApi.getAddress().getPort());
    bridge = bridge(BridgeSide.FAST);

    try (LogCapture log = new LogCapture(AppServicePing.class)) {
      assertThat(ping(URI.create(hs.get().baseUrl())).start().get(10, TimeUnit.SECONDS))
          .isEqualTo(AppServicePing.Outcome.REACHABLE);
      assertThat(log.lines(Level.INFO)).singleElement().asString().contains("reaches the bridge");
    }
    assertThat(hs.get().requests("POST", "/appservice/switchboard/ping$")).hasSize(1);
  }

  @Test
  void aHomeserverWithoutThePingEndpointIsNotedOnceAndNotAskedAgain() throws Exception {
    start(Options.defaults().legacy(true), "http://127.0.0.1:9");
    bridge = bridge(BridgeSide.FAST);

    try (LogCapture log = new LogCapture(AppServicePing.class)) {
      assertThat(ping(URI.create(hs.get().baseUrl())).start().get(10, TimeUnit.SECONDS))
          .isEqualTo(AppServicePing.Outcome.UNSUPPORTED);
      Thread.sleep(500);
      assertThat(log.lines(Level.INFO)).singleElement().asString().contains("predates");
      assertThat(log.lines(Level.WARN)).isEmpty();
    }
    assertThat(hs.get().requests("POST", "/ping$")).hasSize(1);
  }

  @Test
  void aHomeserverThatCannotReachTheBridgeSaysWhatToCheckAndIsPingedAgain() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    start(Options.defaults(), "http://127.0.0.1:" + closedPort);
    bridge = bridge(BridgeSide.FAST);

    try (LogCapture log = new LogCapture(AppServicePing.class)) {
      AppServicePing ping = ping(URI.create(hs.get().baseUrl()));
      CompletableFuture<AppServicePing.Outcome> outcome = ping.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> hs.get().requests("POST", "/ping$").size() >= 3);
      ping.close();

      assertThat(outcome).isNotDone();
      assertThat(log.lines(Level.WARN)).first().asString()
          .contains("cannot reach the bridge at http://127.0.0.1:" + closedPort, "appservice.url");
      assertThat(log.lines(Level.WARN)).hasSizeLessThan(hs.get().requests("POST", "/ping$").size());
    }
  }

  @Test
  void anUnreachableHomeserverIsExplainedAndPingedAgain() throws Exception {
    startWithBridge();
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    HomeserverClient nowhere = new HomeserverClient(
        HomeserverClient.Settings.defaults(URI.create("http://127.0.0.1:" + closedPort), registration.asToken()),
        bridge.scheduler, Clock.systemUTC(), new SplittableRandom(1));
    try (LogCapture log = new LogCapture(AppServicePing.class);
        AppServicePing ping = new AppServicePing(nowhere, registration.id(), URI.create("http://bridge:9000"),
            bridge.scheduler, Clock.systemUTC(), new SplittableRandom(1),
            new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(50), Integer.MAX_VALUE))) {
      CompletableFuture<AppServicePing.Outcome> outcome = ping.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> log.lines(Level.DEBUG).size() >= 3);

      assertThat(outcome).isNotDone();
      assertThat(log.lines(Level.WARN)).first().asString().contains("Cannot reach the homeserver", "homeserver.url");
    } finally {
      nowhere.close();
    }
  }
}
