package dev.switchboard.core.homeserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.homeserver.StubHomeserver.Answer;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.Engine;
import dev.switchboard.testkit.fixture.Fixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The outbound queue's coalescing of a sender's waiting lines into one event when a room is behind: what merges,
 * what never does, and that a merged batch survives a crash without loss or a second post.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Engine.class)
class CoalescingTest {
  @Parameter
  Engine engine;

  private static final UserId ALICE = UserId.of("@_irc_alice:example.org");
  private static final UserId BOB = UserId.of("@_irc_bob:example.org");
  private static final RoomId ROOM = RoomId.of("!portal:example.org");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;
  @RegisterExtension
  final Fixture<StubHomeserver> hs = Fixture.of(StubHomeserver::new);
  private FakeRooms fake;
  private FakeRooms.Room room;
  private BridgeSide bridge;
  private String dbUrl;
  /** Holds the next message send until released, so what is enqueued meanwhile waits behind it. */
  private CountDownLatch held;

  @BeforeEach
  void setUp() {
    fake = new FakeRooms(BridgeSide.BOT.value());
    hs.get().answer(fake);
    room = fake.room(ROOM.value(), false);
    dbUrl = engine.freshUrl(tmp);
    bridge = open();
  }

  private BridgeSide open() {
    return new BridgeSide(hs.get().url(), "as_token", BridgeSide.BOT, engine, dbUrl, BridgeSide.FAST).started();
  }

  @AfterEach
  void tearDown() {
    bridge.close();
  }

  private static ObjectNode line(String msgtype, String body) {
    return JsonNodeFactory.instance.objectNode().put("msgtype", msgtype).put("body", body);
  }

  private static ObjectNode text(String body) {
    return line("m.text", body);
  }

  private List<String> bodies() {
    return room.timeline().stream().map(p -> p.content().path("body").asText()).toList();
  }

  private CompletableFuture<EventId> say(UserId who, JsonNode content, String key) {
    return bridge.intents.ghost(who).sendLine(ROOM, content, key, Optional.empty());
  }

  /**
   * Sends {@code first} from alice and holds it at the homeserver (after the ghosts are registered and joined), so
   * the room is behind while the test enqueues more; {@link #release} lets it go.
   */
  private CompletableFuture<EventId> holdWith(String first) throws Exception {
    say(ALICE, text("warm-up"), "warm-alice").get(5, TimeUnit.SECONDS);
    say(BOB, text("warm-up"), "warm-bob").get(5, TimeUnit.SECONDS);
    held = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    fake.faults = s -> {
      if (s.method().equals("PUT") && s.rawPath().contains("/send/") && entered.getCount() > 0) {
        entered.countDown();
        try {
          held.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return null;
    };
    CompletableFuture<EventId> sent = say(ALICE, text(first), "held");
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
    return sent;
  }

  /** Waits until everything enqueued is stored (only stored lines merge), then lets the held send go. */
  private void release(int rows) {
    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == rows);
    held.countDown();
  }

  @Test
  void linesWaitingBehindAnInFlightSendGoAsOneEventAndEachFutureGetsIt() throws Exception {
    CompletableFuture<EventId> first = holdWith("a");
    List<CompletableFuture<EventId>> behind = new ArrayList<>();
    for (String body : List.of("b", "c", "d")) {
      behind.add(say(ALICE, text(body), "line-" + body));
    }
    release(4);

    EventId firstEvent = first.get(5, TimeUnit.SECONDS);
    List<EventId> events = new ArrayList<>();
    for (CompletableFuture<EventId> f : behind) {
      events.add(f.get(5, TimeUnit.SECONDS));
    }
    assertThat(bodies()).containsExactly("warm-up", "warm-up", "a", "b\nc\nd");
    assertThat(events).containsOnly(events.get(0)).doesNotContain(firstEvent);
    String batchTxnId = TransactionIds.derive(ALICE, ROOM, "send", "line-b") + "+3";
    assertThat(room.timeline().get(3).txnId()).isEqualTo(batchTxnId);
    // The merged request is stored once, under the batch's txn id; each line only points at it.
    assertThat(count("SELECT COUNT(*) FROM outbound_merged_batch WHERE txn_id = '" + batchTxnId + "'")).isEqualTo(1);
    assertThat(count("SELECT COUNT(*) FROM outbound_merged_batch")).isEqualTo(1);
    assertThat(count("SELECT COUNT(*) FROM outbound_merged_line WHERE batch_txn_id = '" + batchTxnId + "'"))
        .isEqualTo(3);
    assertThat(bridge.queue.coalescedBatches()).isEqualTo(1);
    assertThat(bridge.queue.coalescedLines()).isEqualTo(3);
    // Every line is counted as a bridged message.
    await().atMost(Duration.ofSeconds(2)).until(() -> bridge.countedMessages.size() == 6);
    await().atMost(Duration.ofSeconds(2)).until(() -> bridge.queuedRows() == 0);
  }

  @Test
  void aRoomThatKeepsUpSendsEveryLineAlone() throws Exception {
    for (int i = 0; i < 5; i++) {
      say(ALICE, text("l" + i), "alone-" + i).get(5, TimeUnit.SECONDS);
    }

    assertThat(bodies()).containsExactly("l0", "l1", "l2", "l3", "l4");
    assertThat(bridge.queue.coalescedBatches()).isZero();
  }

  @Test
  void linesNeverMergeAcrossSendersKindsRelationsOrPlainSends() throws Exception {
    CompletableFuture<EventId> first = holdWith("a");
    ObjectNode reply = text("reply");
    reply.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", "$x:example.org");
    List<CompletableFuture<EventId>> sent = new ArrayList<>(List.of(
        say(BOB, text("bob"), "k1"),
        say(ALICE, text("t1"), "k2"),
        say(ALICE, line("m.notice", "n1"), "k3"),
        say(ALICE, line("m.notice", "n2"), "k4"),
        say(ALICE, line("m.emote", "e1"), "k5"),
        say(ALICE, line("m.emote", "e2"), "k6"),
        say(ALICE, reply, "k7"),
        say(ALICE, text("t2"), "k8"),
        bridge.intents.ghost(ALICE).sendMessage(ROOM, text("plain send"), "k9"),
        say(ALICE, text("t3"), "k10"),
        say(ALICE, text("acct 1").put("org.example.account", "one"), "k11"),
        say(ALICE, text("acct 2").put("org.example.account", "two"), "k12"),
        say(ALICE, text("acct 3").put("org.example.account", "two"), "k13")));
    release(14);

    first.get(5, TimeUnit.SECONDS);
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    // bob's line heads a batch of one; alice's notices merge; emotes, the reply and the plain send stay alone;
    // "t3" and a line with another key, or another value of it, do not merge.
    assertThat(bodies()).containsExactly("warm-up", "warm-up", "a", "bob", "t1", "n1\nn2", "e1", "e2", "reply",
        "t2", "plain send", "t3", "acct 1", "acct 2\nacct 3");
    assertThat(room.timeline().get(5).content().path("msgtype").asText()).isEqualTo("m.notice");
  }

  @Test
  void aBatchStopsAtTheLineCapAndTheNextBatchTakesTheRest() throws Exception {
    CompletableFuture<EventId> first = holdWith("a");
    int n = CoalescedLines.MAX_LINES + 5;
    List<CompletableFuture<EventId>> sent = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      sent.add(say(ALICE, text("l" + i), "cap-" + i));
    }
    release(n + 1);

    first.get(5, TimeUnit.SECONDS);
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    List<String> all = IntStream.range(0, n).mapToObj(i -> "l" + i).toList();
    assertThat(bodies()).containsExactly("warm-up", "warm-up", "a",
        String.join("\n", all.subList(0, CoalescedLines.MAX_LINES)),
        String.join("\n", all.subList(CoalescedLines.MAX_LINES, n)));
  }

  @Test
  void aBatchStopsAtTheByteCap() throws Exception {
    CompletableFuture<EventId> first = holdWith("a");
    String big = "x".repeat(CoalescedLines.MAX_BYTES / 2);
    List<CompletableFuture<EventId>> sent = List.of(say(ALICE, text(big), "big-1"), say(ALICE, text(big), "big-2"),
        say(ALICE, text("small"), "big-3"));
    release(4);

    first.get(5, TimeUnit.SECONDS);
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    assertThat(bodies()).containsExactly("warm-up", "warm-up", "a", big + "\n" + big, "small");
  }

  @Test
  void htmlLinesKeepTheirMarkupAndPlainLinesAreEscaped() throws Exception {
    CompletableFuture<EventId> first = holdWith("a");
    ObjectNode bold = text("bold").put("format", "org.matrix.custom.html").put("formatted_body", "<b>bold</b>");
    bold.putObject("m.mentions").putArray("user_ids").add(BOB.value());
    List<CompletableFuture<EventId>> sent = List.of(say(ALICE, text("1 < 2 & \"3\""), "h1"),
        say(ALICE, bold, "h2"));
    release(3);

    first.get(5, TimeUnit.SECONDS);
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    JsonNode merged = room.timeline().get(3).content();
    assertThat(merged.path("body").asText()).isEqualTo("1 < 2 & \"3\"\nbold");
    assertThat(merged.path("format").asText()).isEqualTo("org.matrix.custom.html");
    assertThat(merged.path("formatted_body").asText()).isEqualTo("1 &lt; 2 &amp; &quot;3&quot;<br><b>bold</b>");
    assertThat(merged.path("m.mentions").path("user_ids").get(0).asText()).isEqualTo(BOB.value());
  }

  /**
   * A crash after the grouping was stored: the batch is resent after the restart as the same event under the same
   * txn id. And a crash after the homeserver accepted it but before its row was deleted: the homeserver answers the
   * resend from its transaction cache, so the lines appear once.
   */
  @Test
  void aStoredBatchIsSentAfterARestartAndPostedOnceEvenIfItWasAcceptedBeforeTheCrash() throws Exception {
    CompletableFuture<EventId> first = holdWith("a");
    for (String body : List.of("b", "c", "d")) {
      say(ALICE, text(body), "crash-" + body);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == 4);
    fake.faults = s -> s.method().equals("PUT") && s.rawPath().contains("/send/")
        ? Answer.error(503, "M_UNKNOWN", "overloaded") : null;
    held.countDown();
    first.get(5, TimeUnit.SECONDS);
    // The grouping is stored: one row, the merged request, while its sends fail.
    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == 1);
    String stored = storedRequest();
    assertThat(JSON.readTree(stored).path("content").path("body").asText()).isEqualTo("b\nc\nd");
    // The lines' txn ids were committed with it, before any send: a replay of one finds the batch.
    assertThat(count("SELECT COUNT(*) FROM outbound_merged_batch")).isEqualTo(1);
    assertThat(count("SELECT COUNT(*) FROM outbound_merged_line")).isEqualTo(3);
    bridge.close();

    fake.faults = s -> null;
    bridge = open();
    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == 0);
    assertThat(bodies()).containsExactly("warm-up", "warm-up", "a", "b\nc\nd");

    // The row back as if the delete had not committed before a kill: the resend posts nothing new.
    bridge.database.inTransaction(c -> {
      try (var st = c.prepareStatement("INSERT INTO outbound_queue (seq, queue_key, request, attempts, created_at) "
          + "VALUES (100, ?, ?, 0, 0)")) {
        st.setString(1, ROOM.value());
        st.setString(2, stored);
        return st.executeUpdate();
      }
    });
    bridge.close();
    bridge = open();
    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == 0);
    assertThat(bodies()).containsExactly("warm-up", "warm-up", "a", "b\nc\nd");
    say(ALICE, text("after"), "crash-after").get(5, TimeUnit.SECONDS);
    assertThat(bodies()).containsExactly("warm-up", "warm-up", "a", "b\nc\nd", "after");
  }

  /**
   * A remote side may deliver a line again under its own txn id (XMPP history after a restart), relying on the
   * homeserver's transaction cache: a line that went inside a merged event resends that event instead, so it is not
   * posted twice, also after a restart and also when both copies wait in the same batch.
   */
  @Test
  void aLineDeliveredAgainAfterItWasMergedIsNotPostedTwice() throws Exception {
    CompletableFuture<EventId> first = holdWith("a");
    List<CompletableFuture<EventId>> sent = new ArrayList<>(List.of(say(ALICE, text("b"), "again-b"),
        say(ALICE, text("c"), "again-c"), say(ALICE, text("c"), "again-c")));
    release(4);
    first.get(5, TimeUnit.SECONDS);
    EventId merged = sent.get(0).get(5, TimeUnit.SECONDS);
    assertThat(sent.get(1).get(5, TimeUnit.SECONDS)).isEqualTo(merged);
    assertThat(sent.get(2).get(5, TimeUnit.SECONDS)).isEqualTo(merged);
    assertThat(bodies()).containsExactly("warm-up", "warm-up", "a", "b\nc");

    assertThat(say(ALICE, text("b"), "again-b").get(5, TimeUnit.SECONDS)).isEqualTo(merged);
    bridge.close();
    bridge = open();
    assertThat(say(ALICE, text("c"), "again-c").get(5, TimeUnit.SECONDS)).isEqualTo(merged);
    say(ALICE, text("new"), "again-new").get(5, TimeUnit.SECONDS);
    assertThat(bodies()).containsExactly("warm-up", "warm-up", "a", "b\nc", "new");
  }

  /**
   * Lines merged by a bridge before the upgrade to one request per batch (rows of V7's table, the request in each
   * line's row): delivered again after it, each still sends its merged event again, posted once.
   */
  @Test
  void aLineMergedBeforeTheUpgradeStillSendsItsMergedEventAgain() throws Exception {
    bridge.close();
    dbUrl = engine.freshUrl(tmp);
    org.flywaydb.core.Flyway.configure().dataSource(dbUrl, engine.user(), "").locations("classpath:db/migration/core")
        .table("flyway_schema_history").target("7").load().migrate();
    List<OutboundRequest.SendEvent> lines = List.of(
        new OutboundRequest.SendEvent(ALICE, ROOM, "m.room.message", text("b"),
            TransactionIds.derive(ALICE, ROOM, "send", "up-b"), null),
        new OutboundRequest.SendEvent(ALICE, ROOM, "m.room.message", text("c"),
            TransactionIds.derive(ALICE, ROOM, "send", "up-c"), null));
    String merged = JSON.writeValueAsString(CoalescedLines.merge(lines));
    try (var c = java.sql.DriverManager.getConnection(dbUrl, engine.user(), "");
        var st = c.prepareStatement("INSERT INTO outbound_merged_txn (txn_id, request, created_at) VALUES (?, ?, ?)")) {
      for (OutboundRequest.SendEvent line : lines) {
        st.setString(1, line.txnId());
        st.setString(2, merged);
        st.setLong(3, System.currentTimeMillis());
        st.addBatch();
      }
      st.executeBatch();
    }
    bridge = open();
    say(ALICE, text("warm-up"), "warm-alice").get(5, TimeUnit.SECONDS);

    EventId event = say(ALICE, text("c"), "up-c").get(5, TimeUnit.SECONDS);
    assertThat(say(ALICE, text("b"), "up-b").get(5, TimeUnit.SECONDS)).isEqualTo(event);
    assertThat(bodies()).containsExactly("warm-up", "b\nc");
    assertThat(room.timeline().get(1).txnId()).isEqualTo(lines.get(0).txnId() + "+2");
  }

  /** Rows a previous run left are sent as they were stored, never merged: one of them may have been sent already. */
  @Test
  void rowsLeftByTheLastRunAreNeverMerged() throws Exception {
    say(ALICE, text("warm-up"), "warm-alice").get(5, TimeUnit.SECONDS);
    fake.faults = s -> s.method().equals("PUT") && s.rawPath().contains("/send/")
        ? Answer.error(503, "M_UNKNOWN", "overloaded") : null;
    say(ALICE, text("r0"), "left-0");
    // r0 is the lane's head, retried, before the others are stored: nothing is merged in this run.
    await().atMost(Duration.ofSeconds(5)).until(() -> hs.get().requests("PUT", "/_matrix/client/v3/rooms/").size() >= 4);
    for (int i = 1; i < 4; i++) {
      say(ALICE, text("r" + i), "left-" + i);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == 4);
    bridge.close();

    fake.faults = s -> null;
    bridge = open();
    await().atMost(Duration.ofSeconds(5)).until(() -> bridge.queuedRows() == 0);
    assertThat(bodies()).containsExactly("warm-up", "r0", "r1", "r2", "r3");
    assertThat(bridge.queue.coalescedBatches()).isZero();
  }

  private long count(String sql) {
    return bridge.database.inTransaction(c -> {
      try (var st = c.prepareStatement(sql); var rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  private String storedRequest() {
    return bridge.database.inTransaction(c -> {
      try (var st = c.prepareStatement("SELECT request FROM outbound_queue"); var rs = st.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    });
  }
}
