package dev.switchboard.core.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.RecordingConnector;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.RemoteUnavailableException;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fan-out to the links of a hub room (issue 9): each link has its own ordered queue; a slow, dead or failing link
 * never holds the others back; a dead link's events wait and arrive in order when it returns; after a crash only
 * the links that had not accepted an entry get it again.
 */
class DispatcherFanOutTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RoomId HUB = RoomId.of("!hub:test.local");
  private static final String BOT = "@bot:test.local";
  private static final String ALICE = "@alice:test.local";

  @TempDir
  Path dir;

  private Database database;
  private ExecutorService workers;
  private ScheduledExecutorService scheduler;
  private Dispatcher dispatcher;
  private Inbox inbox;
  private InboxStore store;
  private SimpleMeterRegistry metrics;
  private final ScriptedConnector irc = new ScriptedConnector("irc");
  private final ScriptedConnector xmpp = new ScriptedConnector("xmpp");
  private final Map<RoomId, List<Link>> links = Map.of(HUB, List.of(new Link(HUB, "irc", "net/#c", false),
      new Link(HUB, "xmpp", "room@muc.example", false)));

  /** A connector whose answer to each event a test decides. */
  static final class ScriptedConnector extends RecordingConnector {
    volatile Function<MatrixEvent, CompletableFuture<Void>> answer = e -> CompletableFuture.completedFuture(null);
    final List<String> attempts = new CopyOnWriteArrayList<>();

    ScriptedConnector(String protocol) {
      super(protocol, "test.local");
    }

    @Override
    public CompletableFuture<Void> onEvent(MatrixEvent event, Optional<Link> link) {
      attempts.add(event.eventId().value());
      CompletableFuture<Void> f = answer.apply(event);
      return f.thenRun(() -> super.onEvent(event, link));
    }
  }

  @BeforeEach
  void start() {
    database = Database.open("jdbc:sqlite:" + dir.resolve("d.db"), null, null, List.of());
    workers = Executors.newFixedThreadPool(2);
    scheduler = Executors.newSingleThreadScheduledExecutor();
    startDispatcher();
  }

  private void startDispatcher() {
    store = new InboxStore(database, Clock.systemUTC(), JSON);
    metrics = new SimpleMeterRegistry();
    dispatcher = new Dispatcher(new Connectors(List.of(irc, xmpp)), r -> links.getOrDefault(r, List.of()),
        UserId.of(BOT), store, workers, scheduler, Duration.ofSeconds(30), MembershipListener.NONE,
        BotRoomHandler.NONE, metrics);
    inbox = new Inbox(store, dispatcher, JSON);
  }

  @AfterEach
  void stop() {
    dispatcher.close();
    workers.shutdownNow();
    scheduler.shutdownNow();
    database.close();
  }

  private void push(String txn, List<String> events) throws Exception {
    String body = "{\"events\":[" + String.join(",", events) + "]}";
    inbox.receive(txn, body.getBytes(StandardCharsets.UTF_8));
  }

  private static String message(String id, String sender) {
    return """
        {"event_id":"%s","room_id":"%s","sender":"%s","type":"m.room.message","origin_server_ts":1,
         "content":{"msgtype":"m.text","body":"hi"}}""".formatted(id, HUB.value(), sender);
  }

  private static List<String> ids(String prefix, int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> "$" + prefix + i).toList();
  }

  private void pushMessages(String txn, List<String> ids, String sender) throws Exception {
    push(txn, ids.stream().map(id -> message(id, sender)).toList());
  }

  @Test
  void aLinkThatNeverAnswersDoesNotHoldBackTheOtherLink() throws Exception {
    irc.answer = e -> new CompletableFuture<>(); // accepts nothing, ever (within this test)

    pushMessages("t1", ids("m", 20), ALICE);

    await().atMost(Duration.ofSeconds(20)).until(() -> xmpp.eventIds().size() == 20);
    assertThat(xmpp.eventIds()).containsExactlyElementsOf(ids("m", 20));
    assertThat(irc.attempts).containsExactly("$m1"); // its own lane waits, in order
    assertThat(store.depth()).isEqualTo(20); // nothing is done until every link accepted it
  }

  @Test
  void aDeadLinkKeepsItsEventsAndGetsThemInOrderWhenItReturns() throws Exception {
    Map<String, Boolean> down = new ConcurrentHashMap<>(Map.of("irc", true));
    irc.answer = e -> down.get("irc")
        ? CompletableFuture.failedFuture(new RemoteUnavailableException("ircd down"))
        : CompletableFuture.completedFuture(null);

    pushMessages("t1", ids("m", 10), ALICE);
    await().atMost(Duration.ofSeconds(20)).until(() -> xmpp.eventIds().size() == 10);
    // Several retries of the first event, none of the later ones yet: the lane holds them.
    await().atMost(Duration.ofSeconds(20)).until(() -> irc.attempts.size() >= 3);
    assertThat(irc.attempts).containsOnly("$m1");
    pushMessages("t2", ids("n", 5), ALICE);
    await().atMost(Duration.ofSeconds(20)).until(() -> xmpp.eventIds().size() == 15);

    down.put("irc", false);

    await().atMost(Duration.ofSeconds(40)).until(() -> irc.eventIds().size() == 15);
    List<String> all = new java.util.ArrayList<>(ids("m", 10));
    all.addAll(ids("n", 5));
    assertThat(irc.eventIds()).containsExactlyElementsOf(all);
    assertThat(metrics.counter("switchboard.events.failed").count()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> store.depth() == 0);
  }

  @Test
  void aBadEventIsDroppedForItsLinkAfterRetriesAndTheLinkGoesOn() throws Exception {
    irc.answer = e -> e.eventId().value().equals("$m2")
        ? CompletableFuture.failedFuture(new IllegalStateException("cannot ever send this"))
        : CompletableFuture.completedFuture(null);

    pushMessages("t1", ids("m", 3), ALICE);

    await().atMost(Duration.ofSeconds(20)).until(() -> irc.eventIds().size() == 2);
    assertThat(irc.eventIds()).containsExactly("$m1", "$m3");
    assertThat(irc.attempts.stream().filter("$m2"::equals)).hasSize(3);
    assertThat(xmpp.eventIds()).containsExactly("$m1", "$m2", "$m3");
    await().atMost(Duration.ofSeconds(10)).until(() -> store.depth() == 0);
    assertThat(metrics.counter("switchboard.events.failed").count()).isEqualTo(1.0);
  }

  @Test
  void afterACrashOnlyTheLinksThatHadNotAcceptedAnEntryGetItAgain() throws Exception {
    irc.answer = e -> new CompletableFuture<>();
    pushMessages("t1", ids("m", 5), ALICE);
    await().atMost(Duration.ofSeconds(20)).until(() -> xmpp.eventIds().size() == 5);
    // The xmpp link's progress is recorded (group commit): wait until the rows are there, then "crash".
    await().atMost(Duration.ofSeconds(20)).until(() -> store.acceptedTargets().size() == 5);
    dispatcher.close();
    xmpp.received.clear();
    irc.answer = e -> CompletableFuture.completedFuture(null);

    startDispatcher();
    assertThat(dispatcher.resumePending()).isEqualTo(5);

    await().atMost(Duration.ofSeconds(20)).until(() -> irc.eventIds().size() == 5);
    assertThat(irc.eventIds()).containsExactlyElementsOf(ids("m", 5));
    await().atMost(Duration.ofSeconds(10)).until(() -> store.depth() == 0);
    assertThat(xmpp.eventIds()).isEmpty();
    assertThat(store.acceptedTargets()).isEmpty();
  }

  @Test
  void anEventFromOneLinksGhostGoesOnlyToTheOtherLinkSoTwoLinksCannotPingPong() throws Exception {
    pushMessages("t1", List.of("$fromIrc"), "@_irc_net_bob:test.local");
    pushMessages("t2", List.of("$fromXmpp"), "@_xmpp_carol:test.local");
    pushMessages("t3", List.of("$fromBot"), BOT);

    await().atMost(Duration.ofSeconds(20)).until(() -> store.depth() == 0);
    assertThat(irc.eventIds()).containsExactly("$fromXmpp");
    assertThat(xmpp.eventIds()).containsExactly("$fromIrc");
  }

  @Test
  void aTopicTheBotSetForOneLinkGoesToTheOtherLinksOnlyAndOtherBotEventsNowhere() throws Exception {
    push("t1", List.of(topic("$ircTopic", BOT, "irc net/#c"), topic("$plainBotTopic", BOT, null),
        topic("$spoofed", ALICE, "irc net/#c")));

    await().atMost(Duration.ofSeconds(20)).until(() -> store.depth() == 0);
    assertThat(xmpp.eventIds()).containsExactly("$ircTopic", "$spoofed");
    assertThat(irc.eventIds()).containsExactly("$spoofed"); // a user's topic goes everywhere, mark or not
  }

  private static String topic(String id, String sender, String fromLink) {
    return """
        {"event_id":"%s","room_id":"%s","sender":"%s","type":"m.room.topic","state_key":"","origin_server_ts":1,
         "content":{"topic":"t"%s}}""".formatted(id, HUB.value(), sender,
        fromLink == null ? "" : ",\"dev.switchboard.from_link\":\"" + fromLink + "\"");
  }
}
