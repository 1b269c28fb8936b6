package dev.switchboard.core.homeserver;

import dev.switchboard.core.store.Engine;
import dev.switchboard.testkit.LogCapture;
import dev.switchboard.testkit.fixture.Fixture;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.homeserver.StubHomeserver.Answer;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Intents and the outbound queue against the stub; the same behaviours run against TestHomeserver elsewhere. */
@ParameterizedClass(name = "{0}")
@EnumSource(Engine.class)
class AppServiceIntentsTest {
  @Parameter
  Engine engine;
  private String dbUrl;

  private static final UserId ALICE = UserId.of("@_irc_alice:example.org");
  private static final UserId BOB = UserId.of("@_irc_bob:example.org");
  private static final String ROOM = "!portal:example.org";
  private static final String OTHER = "!other:example.org";

  @TempDir
  Path tmp;
  @RegisterExtension
  final Fixture<StubHomeserver> hs = Fixture.of(StubHomeserver::new);
  private FakeRooms fake;
  private BridgeSide bridge;

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakeRooms(BridgeSide.BOT.value());
    hs.get().answer(fake);
    dbUrl = engine.freshUrl(tmp);
    bridge = open();
  }

  /** The bridge side on this test's database; called again to simulate a restart. */
  private BridgeSide open() {
    return new BridgeSide(hs.get().url(), "as_token", BridgeSide.BOT, engine, dbUrl, BridgeSide.FAST).started();
  }

  @AfterEach
  void tearDown() throws Exception {
    bridge.close();
  }

  private static ObjectNode text(String body) {
    return JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", body);
  }

  private static List<String> bodies(FakeRooms.Room room) {
    return room.timeline().stream().map(p -> p.content().path("body").asText()).toList();
  }

  @Test
  void aGhostIsRegisteredJoinedAndSendsAMessage() throws Exception {
    FakeRooms.Room room = fake.room(ROOM, false);

    EventId id = bridge.intents.ghost(ALICE).sendMessage(RoomId.of(ROOM), text("hello"), "libera/1")
        .get(5, TimeUnit.SECONDS);

    assertThat(id.value()).startsWith("$");
    assertThat(room.timeline()).singleElement().satisfies(p -> {
      assertThat(p.sender()).isEqualTo(ALICE.value());
      assertThat(p.content().path("body").asText()).isEqualTo("hello");
    });
    assertThat(hs.get().requests("POST", "/_matrix/client/v3/register")).singleElement()
        .satisfies(s -> assertThat(s.body()).contains("\"type\":\"m.login.application_service\"")
            .contains("\"username\":\"_irc_alice\"").contains("\"inhibit_login\":true"));
    // The future completes once the homeserver accepted; the row's delete follows asynchronously.
    await().atMost(Duration.ofSeconds(20)).until(() -> bridge.queuedRows() == 0);
  }

  @Test
  void aGhostsAcceptedMessagesAreCountedButNotItsStateNorTheBotsMessages() throws Exception {
    fake.room(ROOM, false);
    RoomId room = RoomId.of(ROOM);

    bridge.intents.ghost(ALICE).sendMessage(room, text("one"), "k1").get(5, TimeUnit.SECONDS);
    bridge.intents.ghost(ALICE).sendState(room, "m.room.topic", "", text("t")).get(5, TimeUnit.SECONDS);
    bridge.intents.bot().sendMessage(room, text("notice"), "k2").get(5, TimeUnit.SECONDS);
    bridge.intents.ghost(BOB).sendMessage(room, text("two"), "k3").get(5, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.countedMessages.size() == 2);
    assertThat(bridge.countedMessages).containsExactly(ALICE, BOB);
  }

  @Test
  void userInUseCountsAsRegisteredAndIsRemembered() throws Exception {
    fake.room(ROOM, false);
    fake.users.add(ALICE.value());
    Intent alice = bridge.intents.ghost(ALICE);

    alice.sendMessage(RoomId.of(ROOM), text("one"), "k1").get(5, TimeUnit.SECONDS);
    alice.sendMessage(RoomId.of(ROOM), text("two"), "k2").get(5, TimeUnit.SECONDS);

    assertThat(hs.get().requests("POST", "/_matrix/client/v3/register")).hasSize(1);
    assertThat(hs.get().requests("POST", "/_matrix/client/v3/rooms/")).filteredOn(s -> s.rawPath().endsWith("/join"))
        .hasSize(1);
  }

  @Test
  void aForbiddenJoinMakesTheBotInviteAndTheJoinIsRetried() throws Exception {
    FakeRooms.Room room = fake.room(ROOM, true);

    bridge.intents.ghost(ALICE).ensureJoined(RoomId.of(ROOM)).get(5, TimeUnit.SECONDS);

    assertThat(room.joined).contains(ALICE.value());
    assertThat(hs.get().requests("POST", "/_matrix/client/v3/rooms/%21portal%3Aexample.org/invite")).singleElement()
        .satisfies(s -> assertThat(s.rawQuery()).isNull());
    assertThat(hs.get().requests("POST", "/_matrix/client/v3/rooms/%21portal%3Aexample.org/join"))
        .filteredOn(s -> "user_id=%40_irc_alice%3Aexample.org".equals(s.rawQuery())).hasSize(2);
  }

  @Test
  void theSameTxnKeyIsPostedOnce() throws Exception {
    FakeRooms.Room room = fake.room(ROOM, false);
    Intent alice = bridge.intents.ghost(ALICE);

    EventId first = alice.sendMessage(RoomId.of(ROOM), text("once"), "libera/msg-42").get(5, TimeUnit.SECONDS);
    EventId again = alice.sendMessage(RoomId.of(ROOM), text("once"), "libera/msg-42").get(5, TimeUnit.SECONDS);

    assertThat(again).isEqualTo(first);
    assertThat(room.timeline()).hasSize(1);
    List<StubHomeserver.Seen> puts = hs.get().requests("PUT", "/_matrix/client/v3/rooms/");
    assertThat(puts).hasSize(2);
    assertThat(puts.get(0).rawPath()).isEqualTo(puts.get(1).rawPath());
  }

  @Test
  void aTimestampIsPassedAsTs() throws Exception {
    FakeRooms.Room room = fake.room(ROOM, false);

    bridge.intents.ghost(ALICE).sendEvent(RoomId.of(ROOM), "m.room.message", text("old"), "k",
        Optional.of(1_700_000_000_000L)).get(5, TimeUnit.SECONDS);

    assertThat(room.timeline().get(0).ts()).isEqualTo("1700000000000");
  }

  @Test
  void messagesOfOneRoomArriveInOrderWhileAnotherRoomIsNotHeldUp() throws Exception {
    FakeRooms.Room slow = fake.room(ROOM, false);
    FakeRooms.Room fast = fake.room(OTHER, false);
    AtomicBoolean roomDown = new AtomicBoolean(true);
    fake.faults = s -> roomDown.get() && s.method().equals("PUT") && s.rawPath().contains("%21portal")
        ? Answer.error(503, "M_UNKNOWN", "busy") : null;
    Intent alice = bridge.intents.ghost(ALICE);

    List<CompletableFuture<EventId>> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(alice.sendMessage(RoomId.of(ROOM), text("m" + i), "slow-" + i));
    }
    alice.sendMessage(RoomId.of(OTHER), text("meanwhile"), "fast-1").get(5, TimeUnit.SECONDS);

    assertThat(bodies(fast)).containsExactly("meanwhile");
    assertThat(slow.timeline()).isEmpty();
    roomDown.set(false);
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(bodies(slow)).containsExactlyElementsOf(
        java.util.stream.IntStream.range(0, 20).mapToObj(i -> "m" + i).toList());
  }

  @Test
  void aPermanentlyRefusedMessageIsDroppedOnceAndDoesNotBlockTheRoom() throws Exception {
    FakeRooms.Room room = fake.room(ROOM, true);
    room.banned.add(ALICE.value());
    try (LogCapture log = new LogCapture(OutboundQueue.class)) {
      CompletableFuture<EventId> refused = bridge.intents.ghost(ALICE).sendMessage(RoomId.of(ROOM), text("no"), "a");
      CompletableFuture<EventId> next = bridge.intents.ghost(BOB).sendMessage(RoomId.of(ROOM), text("yes"), "b");

      assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS)).cause()
          .isInstanceOfSatisfying(MatrixException.class, e -> assertThat(e.errcode()).isEqualTo("M_FORBIDDEN"));
      next.get(5, TimeUnit.SECONDS);
      assertThat(bodies(room)).containsExactly("yes");
      assertThat(log.lines(Level.WARN)).singleElement().asString()
          .contains("m.room.message", ROOM, ALICE.value(), "M_FORBIDDEN");
      await().atMost(Duration.ofSeconds(2)).until(() -> bridge.queuedRows() == 0);
    }
  }

  @Test
  void aRefusedAsTokenKeepsMessagesQueuedUntilTheHomeserverAcceptsIt() throws Exception {
    FakeRooms.Room room = fake.room(ROOM, false);
    AtomicBoolean tokenKnown = new AtomicBoolean(false);
    fake.faults = s -> tokenKnown.get() ? null : Answer.error(401, "M_UNKNOWN_TOKEN", "Unknown access token");
    try (LogCapture log = new LogCapture(OutboundQueue.class)) {
      CompletableFuture<EventId> sent = bridge.intents.ghost(ALICE).sendMessage(RoomId.of(ROOM), text("kept"), "t");
      await().atMost(Duration.ofSeconds(5)).until(() -> hs.get().requests().size() >= 5);
      assertThat(sent).isNotDone();
      assertThat(bridge.queuedRows()).isEqualTo(1);

      tokenKnown.set(true);

      sent.get(5, TimeUnit.SECONDS);
      assertThat(bodies(room)).containsExactly("kept");
      assertThat(log.lines(Level.WARN)).singleElement().asString().contains("as_token", "stay queued");
    }
  }

  @Test
  void aGhostOutsideTheNamespacesIsRefused() {
    assertThatThrownBy(() -> bridge.intents.ghost(UserId.of("@mallory:example.org")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
  }

  @Test
  void aKickedGhostRejoinsBeforeItsNextMessage() throws Exception {
    FakeRooms.Room room = fake.room(ROOM, false);
    Intent alice = bridge.intents.ghost(ALICE);
    alice.sendMessage(RoomId.of(ROOM), text("one"), "k1").get(5, TimeUnit.SECONDS);

    room.joined.remove(ALICE.value());
    alice.sendMessage(RoomId.of(ROOM), text("two"), "k2").get(5, TimeUnit.SECONDS);

    assertThat(bodies(room)).containsExactly("one", "two");
  }

  @Test
  void pendingRowsAreSentOnceAfterARestart() throws Exception {
    FakeRooms.Room room = fake.room(ROOM, false);
    fake.faults = s -> Answer.error(503, "M_UNKNOWN", "down for maintenance");
    Intent alice = bridge.intents.ghost(ALICE);
    for (int i = 0; i < 5; i++) {
      alice.sendMessage(RoomId.of(ROOM), text("r" + i), "restart-" + i);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == 5);
    bridge.close();

    fake.faults = s -> null;
    bridge = open();

    await().atMost(Duration.ofSeconds(5)).until(() -> room.timeline().size() == 5);
    assertThat(bodies(room)).containsExactly("r0", "r1", "r2", "r3", "r4");
    await().atMost(Duration.ofSeconds(2)).until(() -> bridge.queuedRows() == 0);
  }

  @Test
  void aRowWhoseSendSucceededBeforeACrashIsNotPostedTwice() throws Exception {
    FakeRooms.Room room = fake.room(ROOM, false);
    bridge.intents.ghost(ALICE).sendMessage(RoomId.of(ROOM), text("once"), "crash-1").get(5, TimeUnit.SECONDS);
    // The crash came after the homeserver accepted the event but before the row was deleted: put the row back.
    String txn = TransactionIds.derive(ALICE, RoomId.of(ROOM), "send", "crash-1");
    String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
        new OutboundRequest.SendEvent(ALICE, RoomId.of(ROOM), "m.room.message", text("once"), txn, null));
    bridge.database.inTransaction(c -> {
      try (var st = c.prepareStatement("INSERT INTO outbound_queue (seq, queue_key, request, attempts, created_at) "
          + "VALUES (7, ?, ?, 0, 0)")) {
        st.setString(1, ROOM);
        st.setString(2, json);
        return st.executeUpdate();
      }
    });
    bridge.close();

    bridge = open();

    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == 0);
    assertThat(hs.get().requests("PUT", "/_matrix/client/v3/rooms/")).hasSize(2);
    assertThat(bodies(room)).containsExactly("once");
    // New rows continue after the highest seq seen at start.
    bridge.intents.ghost(ALICE).sendMessage(RoomId.of(ROOM), text("after"), "crash-2").get(5, TimeUnit.SECONDS);
    assertThat(bodies(room)).containsExactly("once", "after");
  }

  @Test
  void stateAndRedactionsGoThroughTheQueue() throws Exception {
    FakeRooms.Room room = fake.room(ROOM, false);
    Intent bot = bridge.intents.bot();

    EventId topic = bot.sendState(RoomId.of(ROOM), "m.room.topic", "",
        JsonNodeFactory.instance.objectNode().put("topic", "IRC #java")).get(5, TimeUnit.SECONDS);
    bot.redact(RoomId.of(ROOM), topic, "spam", "redact-1").get(5, TimeUnit.SECONDS);

    assertThat(room.timeline()).extracting(FakeRooms.Posted::type).containsExactly("m.room.topic", "m.room.redaction");
    assertThat(hs.get().requests("PUT", "/_matrix/client/v3/rooms/").get(0).rawPath())
        .isEqualTo("/_matrix/client/v3/rooms/%21portal%3Aexample.org/state/m.room.topic/");
  }
}
