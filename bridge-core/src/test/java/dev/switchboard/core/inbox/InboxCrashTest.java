package dev.switchboard.core.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.CoreHarness;
import dev.switchboard.core.CrashTestBridge;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bridge is SIGKILLed after acknowledging transactions but before dispatch finished. */
class InboxCrashTest {
  private static final List<String> ROOMS = List.of("!a:test.local", "!b:test.local", "!c:test.local");

  @TempDir
  Path dir;

  private Process bridge;
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void kill() {
    if (bridge != null) {
      bridge.destroyForcibly();
    }
  }

  private int startBridge(int blockAfter, String portName) throws Exception {
    return startBridge(blockAfter, portName, ROOMS, 0);
  }

  private int startBridge(int blockAfter, String portName, List<String> rooms, int port) throws Exception {
    Path portFile = dir.resolve(portName);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    bridge = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CrashTestBridge.class.getName(),
        jdbcUrl(), portFile.toString(), records().toString(), Integer.toString(blockAfter), String.join(",", rooms), Integer.toString(port))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(portName + ".log").toFile())
        .start();
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(portFile) || !bridge.isAlive());
    assertThat(bridge.isAlive()).as("bridge process started; see %s", dir.resolve(portName + ".log")).isTrue();
    return Integer.parseInt(Files.readString(portFile).trim());
  }

  private String jdbcUrl() {
    return "jdbc:sqlite:" + dir.resolve("bridge.db");
  }

  private Path records() {
    return dir.resolve("dispatched.txt");
  }

  private List<String> recorded() throws Exception {
    return Files.exists(records()) ? Files.readAllLines(records()) : List.of();
  }

  private long doneInStore() throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl());
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT COUNT(*) FROM inbox_event e WHERE NOT EXISTS (SELECT 1 FROM inbox_undone u WHERE u.seq = e.seq)")) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private long undoneInStore() throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl());
        ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM inbox_undone")) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  @Test
  void aHomeserverRestartThatReusesTxnIdsAndABridgeSigkillLoseNothingAndRepeatNothing() throws Exception {
    int port = 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12_000);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults()
        .backoff(Duration.ofMillis(20), Duration.ofMillis(300)))) {
      hs.registerAppService(AppServiceRegistration.builder("switchboard")
          .url("http://127.0.0.1:" + port).hsToken(CoreHarness.HS_TOKEN).asToken("as-token")
          .senderLocalpart("bot").users("@_test_.*", true).rooms(".*", false).build());
      TestUser alice = hs.user("alice");
      String room = alice.createRoom();
      startBridge(-1, "port1", List.of(room), port);
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        expected.add(room + " " + alice.send(room, "before " + i));
      }
      // Done marks commit shortly after dispatch; a kill in between replays those entries, which is not what this
      // test is about (the other test kills with some dispatched and undone on purpose).
      await().atMost(Duration.ofSeconds(20)).until(() -> recorded().containsAll(expected) && undoneInStore() == 0);

      bridge.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      for (int i = 0; i < 5; i++) {
        expected.add(room + " " + alice.send(room, "while the bridge is down " + i));
      }
      hs.restart();
      startBridge(-1, "port2", List.of(room), port);
      for (int i = 0; i < 5; i++) {
        expected.add(room + " " + alice.send(room, "after " + i));
      }

      await().atMost(Duration.ofSeconds(30)).until(() -> recorded().containsAll(expected));
      Thread.sleep(300);
      List<String> got = recorded().stream().filter(expected::contains).toList();
      assertThat(got).as("each event once, in order").containsExactlyElementsOf(expected);
    }
  }

  @Test
  void afterASigkillEveryAcknowledgedEventIsDispatchedExactlyOnceInRoomOrder() throws Exception {
    int port = startBridge(50, "port1");
    List<String> expected = new ArrayList<>();
    for (int t = 1; t <= 20; t++) {
      List<String> events = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String room = ROOMS.get((t + i) % ROOMS.size());
        String id = "$t" + t + "e" + i;
        events.add(AppServiceApiEvents.message(id, room, "@alice:test.local", "m" + t + "." + i));
        expected.add(room + " " + id);
      }
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
              + "/_matrix/app/v1/transactions/" + t))
          .header("Authorization", "Bearer " + CoreHarness.HS_TOKEN)
          .PUT(HttpRequest.BodyPublishers.ofString("{\"events\":[" + String.join(",", events) + "]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
    // Dispatch is stuck after 50 events; wait until the done marks of those are committed, then kill -9.
    await().atMost(Duration.ofSeconds(20)).until(() -> recorded().size() == 50 && doneInStore() == 50);
    bridge.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    assertThat(recorded()).hasSize(50);

    startBridge(-1, "port2");

    await().atMost(Duration.ofSeconds(30)).until(() -> recorded().size() >= expected.size());
    Thread.sleep(300);
    List<String> got = recorded();
    Map<String, Long> counts = got.stream().collect(Collectors.groupingBy(Function.identity(), LinkedHashMap::new,
        Collectors.counting()));
    assertThat(counts.values()).as("each event dispatched exactly once").containsOnly(1L);
    assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    for (String room : ROOMS) {
      assertThat(got.stream().filter(l -> l.startsWith(room + " ")).toList())
          .as("order in %s", room)
          .containsExactlyElementsOf(expected.stream().filter(l -> l.startsWith(room + " ")).toList());
    }
  }
}
