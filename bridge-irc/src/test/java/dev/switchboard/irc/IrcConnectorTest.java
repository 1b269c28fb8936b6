package dev.switchboard.irc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.BridgeContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.PortalStore;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.net.PausableProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The connector against a real ngircd, with intents that record what would go to the homeserver. */
class IrcConnectorTest {
  private static final String DOMAIN = "test.local";
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UserId MATRIX_USER = UserId.of("matrixuser", DOMAIN);
  private static final UserId ALICE_GHOST = UserId.of("_irc_test_alice", DOMAIN);

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> server = IrcServerFixture.ngircd();
  private Database database;
  private ScheduledExecutorService scheduler;
  private RecordingIntents intents;
  private IrcConnector connector;
  private final AtomicInteger eventIds = new AtomicInteger();

  @BeforeEach
  void setUp() throws Exception {
    database = Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of("irc"));
    scheduler = Executors.newScheduledThreadPool(4);
    intents = new RecordingIntents(DOMAIN);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (connector != null) {
      connector.stop();
    }
    scheduler.shutdownNow();
    scheduler.awaitTermination(5, TimeUnit.SECONDS);
    database.close();
  }

  private void startConnector(String host, int port) {
    ObjectNode irc = JSON.createObjectNode();
    ObjectNode net = irc.putObject("networks").putObject("test").put("host", host).put("port", port).put("tls", false)
        .put("nick", "switchboard").put("line_limit", 50);
    net.putObject("flood").put("burst", 50).put("per_second", 20);
    connector = new IrcConnector(IrcConfig.parse(irc), DOMAIN, new SplittableRandom(1), Duration.ofMillis(200));
    connector.start(new BridgeContext(DOMAIN, intents, database,
        new SecretBox(new byte[SecretBox.KEY_BYTES], new java.security.SecureRandom()),
        new Portals(new PortalStore(database, Clock.systemUTC())), scheduler, scheduler, Clock.systemUTC()));
  }

  private RoomId openPortal(String alias) throws Exception {
    return connector.openPortalForUser(RoomAlias.of(alias)).get(5, TimeUnit.SECONDS).orElseThrow();
  }

  private MatrixEvent message(RoomId room, UserId sender, String msgtype, String body) {
    ObjectNode content = JSON.createObjectNode().put("msgtype", msgtype).put("body", body);
    return new MatrixEvent(EventId.of("$m" + eventIds.incrementAndGet()), room, sender, "m.room.message",
        Optional.empty(), 0, content, null);
  }

  private MatrixEvent joinOf(RoomId room, UserId user, String displayName) {
    ObjectNode content = JSON.createObjectNode().put("membership", "join").put("displayname", displayName);
    return new MatrixEvent(EventId.of("$j" + eventIds.incrementAndGet()), room, user, "m.room.member",
        Optional.of(user.value()), 0, content, null);
  }

  private static Optional<Link> linkOf(RoomId room) {
    return Optional.of(new Link(room, "irc", "test/#room", false));
  }

  @Test
  void joiningTheAliasCreatesAPortalAndJoinsTheChannel() throws Exception {
    startConnector(server.get().host(), server.get().port());
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");

      RoomId room = openPortal("#_irc_test_#room:test.local");

      JsonNode request = (JsonNode) intents.calls().stream().filter(c -> c.method().equals("createRoom")).findFirst()
          .orElseThrow().argument();
      assertThat(request.path("room_alias_name").asText()).isEqualTo("_irc_test_#room");
      assertThat(request.path("preset").asText()).isEqualTo("public_chat");
      assertThat(request.path("name").asText()).isEqualTo("#room");
      assertThat(request.path("initial_state").findValuesAsText("type"))
          .containsExactly("m.bridge", "uk.half-shot.bridge");
      assertThat(request.path("initial_state").get(0).path("content").path("channel").path("id").asText())
          .isEqualTo("#room");
      assertThat(new PortalStore(database, Clock.systemUTC()).linkOfRemote("irc", "test/#room"))
          .contains(new Link(room, "irc", "test/#room", false));
      alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
    }
  }

  @Test
  void unknownNetworksAndInvalidChannelsAreNotFound() throws Exception {
    startConnector(server.get().host(), server.get().port());

    assertThat(connector.onAliasQuery(RoomAlias.of("#_irc_nosuch_#room:test.local")).get()).isEmpty();
    assertThat(connector.onAliasQuery(RoomAlias.of("#_irc_test_room:test.local")).get()).isEmpty();
    assertThat(connector.onAliasQuery(RoomAlias.of("#_irc_test_#a,b:test.local")).get()).isEmpty();
    assertThat(intents.calls()).noneMatch(c -> c.method().equals("createRoom"));
  }

  @Test
  void askingTwiceForTheSameAliasGivesTheSameRoom() throws Exception {
    startConnector(server.get().host(), server.get().port());

    RoomId first = openPortal("#_irc_test_#room:test.local");
    RoomId second = openPortal("#_irc_test_#room:test.local");

    assertThat(second).isEqualTo(first);
    assertThat(intents.calls()).filteredOn(c -> c.method().equals("createRoom")).hasSize(1);
  }

  @Test
  void ircMessagesArriveFromTheGhostInOrder() throws Exception {
    startConnector(server.get().host(), server.get().port());
    RoomId room = openPortal("#_irc_test_#room:test.local");
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "Alice")) {
      alice.join("#room");
      alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN ")
          || IrcTestUser.command(l).equals("353") && l.contains("switchboard"), WAIT);

      alice.say("#room", "hi");
      alice.action("#room", "waves");
      alice.notice("#room", "a notice");

      await().atMost(WAIT).until(() -> intents.messagesFrom(ALICE_GHOST).size() == 3);
      assertThat(intents.messagesFrom(ALICE_GHOST)).containsExactly("m.text: hi", "m.emote: waves",
          "m.notice: a notice");
      assertThat(intents.calls()).anyMatch(c -> c.user().equals(ALICE_GHOST) && c.method().equals("setDisplayName")
          && c.argument().equals("Alice"));
      assertThat(intents.calls()).anyMatch(c -> c.user().equals(ALICE_GHOST) && c.method().equals("ensureJoined")
          && c.room().equals(Optional.of(room)));

      alice.part("#room");
      await().atMost(WAIT).until(() -> intents.calls().stream()
          .anyMatch(c -> c.user().equals(ALICE_GHOST) && c.method().equals("leave")));
    }
  }

  @Test
  void matrixMessagesReachIrcFromThePuppetAndAreNotEchoedBack() throws Exception {
    startConnector(server.get().host(), server.get().port());
    RoomId room = openPortal("#_irc_test_#room:test.local");
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");

      SortedEvents.deliver(connector, joinOf(room, MATRIX_USER, "Matrix User"), linkOf(room));
      SortedEvents.deliver(connector, message(room, MATRIX_USER, "m.text", "hi from matrix"), linkOf(room));
      SortedEvents.deliver(connector, message(room, MATRIX_USER, "m.emote", "waves"), linkOf(room));

      alice.awaitMessage("MatrixUser", "#room", "hi from matrix", WAIT);
      alice.awaitLine(l -> l.startsWith(":MatrixUser!") && l.endsWith(":\u0001ACTION waves\u0001"), WAIT);
      alice.say("#room", "after");
      await().atMost(WAIT).until(() -> intents.messagesFrom(ALICE_GHOST).contains("m.text: after"));
      assertThat(intents.calls()).noneMatch(c -> c.method().equals("sendEvent") && !c.user().equals(ALICE_GHOST));
    }
  }

  @Test
  void aMultiLineMessageCannotInjectCommandsAndALongOneIsSplitUnderTheLineLimit() throws Exception {
    startConnector(server.get().host(), server.get().port());
    RoomId room = openPortal("#_irc_test_#room:test.local");
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      String longText = "é".repeat(2_500); // 5,000 bytes

      SortedEvents.deliver(connector, message(room, MATRIX_USER, "m.text", "one\r\nQUIT :injected\rJOIN #evil\ntwo"),
          linkOf(room));
      SortedEvents.deliver(connector, message(room, MATRIX_USER, "m.text", longText), linkOf(room));
      SortedEvents.deliver(connector, message(room, MATRIX_USER, "m.text", "still here"), linkOf(room));

      alice.awaitMessage("matrixuser", "#room", "still here", Duration.ofSeconds(60));
      List<String> seen = alice.messagesTo("#room");
      assertThat(seen.subList(0, 4)).containsExactly("matrixuser: one", "matrixuser: QUIT :injected",
          "matrixuser: JOIN #evil", "matrixuser: two");
      String rejoined = String.join("", seen.subList(4, seen.size() - 1).stream()
          .map(s -> s.substring("matrixuser: ".length())).toList());
      assertThat(rejoined).isEqualTo(longText);
      assertThat(alice.lines()).allSatisfy(l ->
          assertThat(l.getBytes(StandardCharsets.UTF_8).length + 2).isLessThanOrEqualTo(512));
      assertThat(alice.lines()).noneMatch(l -> l.contains(" QUIT ") && l.startsWith(":matrixuser!"));
    }
  }

  @Test
  void withASilentIrcServerTheAliasIsAnsweredAtOnceAndThePortalWorksLater() throws Exception {
    try (PausableProxy proxy = PausableProxy.pausedInFrontOf(server.get().host(), server.get().port());
        IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      startConnector(proxy.host(), proxy.port());

      long started = System.nanoTime();
      RoomId room = openPortal("#_irc_test_#room:test.local");
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      SortedEvents.deliver(connector, message(room, MATRIX_USER, "m.text", "sent while the server is silent"), linkOf(room));

      assertThat(tookMs).isLessThan(1_000);
      Thread.sleep(2_000);
      assertThat(alice.messagesTo("#room")).isEmpty();

      proxy.resume();

      alice.awaitMessage("matrixuser", "#room", "sent while the server is silent", Duration.ofSeconds(60));
      alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
      alice.say("#room", "hi");
      await().atMost(WAIT).until(() -> intents.messagesFrom(ALICE_GHOST).contains("m.text: hi"));
    }
  }

  @Test
  void aMatrixTopicIsSetThroughTheSendersPuppetAsOneSafeLine() throws Exception {
    startConnector(server.get().host(), server.get().port());
    RoomId room = openPortal("#_irc_test_#room:test.local");
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      SortedEvents.deliver(connector, joinOf(room, MATRIX_USER, "Matrix User"), linkOf(room));
      ObjectNode content = JSON.createObjectNode().put("topic", "new\r\nTOPIC #room :injected\u0000 topic");

      SortedEvents.deliver(connector, new MatrixEvent(EventId.of("$t1"), room, MATRIX_USER, "m.room.topic",
          Optional.of(""), 0, content, null), linkOf(room));

      alice.awaitLine(l -> l.startsWith(":MatrixUser!") && IrcTestUser.command(l).equals("TOPIC"), WAIT);
      assertThat(alice.lines()).filteredOn(l -> IrcTestUser.command(l).equals("TOPIC"))
          .singleElement().asString().endsWith(" TOPIC #room :new TOPIC #room :injected  topic");
    }
  }

  @Test
  void aKickedBotJoinsAgainAndAKickedPuppetJoinsAgainWhenItsUserSpeaks() throws Exception {
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room"); // first in: channel operator
      startConnector(server.get().host(), server.get().port());
      RoomId room = openPortal("#_irc_test_#room:test.local");
      alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
      SortedEvents.deliver(connector, message(room, MATRIX_USER, "m.text", "hello"), linkOf(room));
      alice.awaitMessage("matrixuser", "#room", "hello", WAIT);

      alice.send("KICK #room switchboard :out");
      alice.send("KICK #room matrixuser :you too");

      await().atMost(WAIT).until(() -> alice.lines().stream()
          .filter(l -> l.startsWith(":switchboard!") && l.contains(" JOIN ")).count() == 2);
      SortedEvents.deliver(connector, message(room, MATRIX_USER, "m.text", "back"), linkOf(room));
      alice.awaitMessage("matrixuser", "#room", "back", WAIT);
      assertThat(alice.lines().stream().filter(l -> l.startsWith(":matrixuser!") && l.contains(" JOIN ")).count())
          .isEqualTo(2);
    }
  }

  @Test
  void linesAreQueuedWithoutWaitingForTheirDeliveryButAPartWaitsForThem() throws Exception {
    startConnector(server.get().host(), server.get().port());
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      openPortal("#_irc_test_#room:test.local");
      alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
      UserId ghost = UserId.of("_irc_test_alice", "test.local");
      alice.say("#room", "warm up");
      await().atMost(WAIT).until(() -> intents.messagesFrom(ghost).contains("m.text: warm up"));

      intents.holdSends();
      alice.say("#room", "one");
      alice.say("#room", "two");
      alice.say("#room", "three");
      alice.part("#room");

      // All three are handed over, in order, although the homeserver answered none of them...
      await().atMost(WAIT).until(() -> intents.messagesFrom(ghost).size() == 4);
      assertThat(intents.messagesFrom(ghost)).containsExactly("m.text: warm up", "m.text: one", "m.text: two",
          "m.text: three");
      // ...but the ghost does not leave before they are delivered (a leave is not queued behind them in core).
      Thread.sleep(1_000);
      assertThat(intents.calls()).noneMatch(c -> c.user().equals(ghost) && c.method().equals("leave"));

      intents.answerSends();
      await().atMost(WAIT).until(() -> intents.calls().stream()
          .anyMatch(c -> c.user().equals(ghost) && c.method().equals("leave")));
    }
  }
}
