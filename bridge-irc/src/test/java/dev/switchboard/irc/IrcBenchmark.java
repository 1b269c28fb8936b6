package dev.switchboard.irc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.RecordedRequest;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * IRC load runs for docs/benchmarks.md, end to end through the testkit homeserver and a real ngircd. Not a timed
 * test: it prints numbers and asserts nothing about speed. Run:
 * {@code ./mvnw -B -q -o -pl bridge-irc -am verify -Dswitchboard.bench=true -Dtest=IrcBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false} with {@code -Dirc.bench.messages=N}, {@code -Dirc.bench.rate=R}
 * (messages a second) and {@code -Dirc.bench.puppets=P} to change the sizes.
 */
@EnabledIfSystemProperty(named = "switchboard.bench", matches = "true")
class IrcBenchmark {
  private static final int MESSAGES = Integer.getInteger("irc.bench.messages", 2_000);
  private static final int RATE = Integer.getInteger("irc.bench.rate", 200);
  private static final int PUPPETS = Integer.getInteger("irc.bench.puppets", 1_000);
  /** Channels the puppets are spread over (round robin); in one channel IRC sends every join to every member. */
  private static final int CHANNELS = Integer.getInteger("irc.bench.channels", 1);
  private static final String ALIAS = "#_irc_test_#bench:test.local";

  @TempDir
  Path dir;

  /** A raw IRC client that timestamps every line it reads. */
  private static final class TimedClient implements AutoCloseable {
    final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    final Map<String, Integer> count = new ConcurrentHashMap<>();
    private final Socket socket;
    private final OutputStream out;

    TimedClient(NgircdServer server, String nick) throws Exception {
      socket = new Socket(server.host(), server.port());
      out = socket.getOutputStream();
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
            StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            long now = System.nanoTime();
            if (line.startsWith("PING ")) {
              send("PONG " + line.substring(5));
            }
            int at = line.indexOf(" :m2i ");
            if (at > 0) {
              String key = line.substring(at + 6).split(" ")[0];
              firstSeen.putIfAbsent(key, now);
              count.merge(key, 1, Integer::sum);
            }
          }
        } catch (Exception closed) {
          // over
        }
      }, "timed-" + nick);
      reader.setDaemon(true);
      reader.start();
      send("NICK " + nick);
      send("USER " + nick + " 0 * :bench");
    }

    synchronized void send(String line) throws Exception {
      out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }

  private static void pace(long start, int i) {
    long due = start + (long) i * 1_000_000_000L / RATE;
    long wait = due - System.nanoTime();
    if (wait > 0) {
      LockSupport.parkNanos(wait);
    }
  }

  private static String percentiles(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return String.format("min %.1f ms, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", sorted[0] / 1e6,
        sorted[sorted.length / 2] / 1e6,
        sorted[(int) (sorted.length * 0.90)] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  @Test
  void latencyAndLossEachWay() throws Exception {
    try (NgircdServer ircd = NgircdServer.start();
        TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"))) {
      // Flood control sized for the run: the benchmark measures the bridge, not the politeness budget.
      IrcBridgeHarness bridge = new IrcBridgeHarness(hs, dir, ircd.host(), ircd.port(), n -> {
        ObjectNode flood = n.putObject("flood");
        flood.put("burst", 1000).put("per_second", 1000);
        n.put("line_limit", 10);
        n.put("max_connections", 0); // the default (200) is below the puppets the run connects
      });
      try (bridge; TimedClient alice = new TimedClient(ircd, "alice")) {
        Thread.sleep(1_000);
        alice.send("JOIN #bench");
        TestUser bob = hs.user("bob");
        String room = bob.join(ALIAS);
        bob.send(room, "m2i warmup");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!alice.firstSeen.containsKey("warmup") && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }

        // IRC -> Matrix: alice says i2m <n>; the time the ghost's PUT reaches the homeserver is the arrival.
        long[] sentAt = new long[MESSAGES];
        long startWall = System.currentTimeMillis();
        long startNanos = System.nanoTime();
        for (int i = 0; i < MESSAGES; i++) {
          pace(startNanos, i);
          sentAt[i] = System.nanoTime();
          alice.send("PRIVMSG #bench :i2m " + i);
        }
        deadline = System.nanoTime() + Duration.ofSeconds(120 + MESSAGES / 50).toNanos();
        Map<Integer, List<Long>> arrivals = new HashMap<>();
        while (System.nanoTime() < deadline) {
          arrivals.clear();
          for (RecordedRequest r : hs.requests("PUT", "/send/m.room.message/")) {
            String body = r.body() == null ? "" : r.body().path("body").asText("");
            if (body.startsWith("i2m ") && r.status() == 200) {
              arrivals.computeIfAbsent(Integer.parseInt(body.substring(4)), k -> new ArrayList<>())
                  .add(r.at().toEpochMilli());
            }
          }
          if (arrivals.size() == MESSAGES) {
            break;
          }
          Thread.sleep(500);
        }
        long[] i2m = new long[arrivals.size()];
        int k = 0;
        for (var e : arrivals.entrySet()) {
          long sentWallMs = startWall + (sentAt[e.getKey()] - startNanos) / 1_000_000;
          i2m[k++] = Math.max(0, (e.getValue().get(0) - sentWallMs)) * 1_000_000;
        }
        long duplicatesI2m = arrivals.values().stream().filter(l -> l.size() > 1).count();
        System.out.printf("IRC -> Matrix, %d messages at %d/s: %d arrived, %d lost, %d duplicated; %s (ms clock)%n",
            MESSAGES, RATE, arrivals.size(), MESSAGES - arrivals.size(), duplicatesI2m,
            arrivals.isEmpty() ? "-" : percentiles(i2m));

        // Matrix -> IRC: bob sends m2i <n>; alice timestamps the line.
        long[] m2iSent = new long[MESSAGES];
        startNanos = System.nanoTime();
        for (int i = 0; i < MESSAGES; i++) {
          pace(startNanos, i);
          m2iSent[i] = System.nanoTime();
          bob.send(room, "m2i " + i);
        }
        deadline = System.nanoTime() + Duration.ofSeconds(120 + MESSAGES / 50).toNanos();
        while (System.nanoTime() < deadline && alice.firstSeen.size() < MESSAGES + 1) {
          Thread.sleep(200);
        }
        Thread.sleep(2_000); // let duplicates, if any, arrive
        List<Long> m2i = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
          Long seen = alice.firstSeen.get(String.valueOf(i));
          if (seen != null) {
            m2i.add(seen - m2iSent[i]);
          }
        }
        long duplicatesM2i = alice.count.values().stream().filter(c -> c > 1).count();
        System.out.printf("Matrix -> IRC, %d messages at %d/s: %d arrived, %d lost, %d duplicated; %s%n", MESSAGES,
            RATE, m2i.size(), MESSAGES - m2i.size(), duplicatesM2i,
            m2i.isEmpty() ? "-" : percentiles(m2i.stream().mapToLong(Long::longValue).toArray()));
        System.out.printf("load average after: %.2f%n",
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      }
    }
  }

  @Test
  void heapPerIdlePuppetAndReconnectAfterAnIrcdRestart() throws Exception {
    try (NgircdServer ircd = NgircdServer.start()) {
      ObjectNode irc = IrcConnectorFixture.config(ircd.host(), ircd.port());
      IrcConnectorFixture.network(irc).put("idle_timeout_seconds", 0);
      try (IrcConnectorFixture fixture = IrcConnectorFixture.start(irc, dir);
          IrcTestUser alice = IrcTestUser.connect(ircd, "alice")) {
        List<dev.switchboard.core.id.RoomId> rooms = new ArrayList<>();
        for (int c = 0; c < CHANNELS; c++) {
          rooms.add(fixture.openPortal("#_irc_test_" + channel(c) + ":test.local"));
          alice.join(channel(c));
        }
        Thread.sleep(2_000);
        long heapBefore = usedHeapAfterGc();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        long started = System.nanoTime();
        for (int i = 0; i < PUPPETS; i++) {
          int c = i % CHANNELS;
          var user = IrcConnectorFixture.user("user" + i);
          SortedEvents.deliver(fixture.connector(), new dev.switchboard.core.event.MatrixEvent(
                  dev.switchboard.core.id.EventId.of("$bench" + i), rooms.get(c), user, "m.room.member",
                  java.util.Optional.of(user.value()), 0, IrcConnectorFixture.json().createObjectNode()
                      .put("membership", "join").put("displayname", "U" + i), null),
              java.util.Optional.of(new dev.switchboard.core.connector.Link(rooms.get(c), "irc",
                  "test/" + channel(c), false)));
        }
        awaitJoins(alice, PUPPETS, 0);
        long connectMs = (System.nanoTime() - started) / 1_000_000;
        Thread.sleep(2_000);
        long heapAfter = usedHeapAfterGc();
        int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
        System.out.printf("%d puppets in %d channel(s): connected and joined in %d ms; heap %d KiB per idle puppet; "
            + "%.2f threads each%n", PUPPETS, CHANNELS, connectMs, (heapAfter - heapBefore) / PUPPETS / 1024,
            (threadsAfter - threadsBefore) / (double) PUPPETS);

        int joinsSoFar = joins(alice);
        alice.close();
        started = System.nanoTime();
        ircd.restart();
        try (IrcTestUser watcher = IrcTestUser.connect(ircd, "watcher")) {
          for (int c = 0; c < CHANNELS; c++) {
            watcher.join(channel(c));
          }
          awaitJoins(watcher, PUPPETS, 0);
          System.out.printf("ircd restart: all %d puppets back in the channel after %d ms (reconnect backoff "
              + "included; %d joins seen before)%n", PUPPETS, (System.nanoTime() - started) / 1_000_000, joinsSoFar);
        }
        System.out.printf("load average after: %.2f%n",
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      }
    }
  }

  private static String channel(int c) {
    return CHANNELS == 1 ? "#room" : "#room" + c;
  }

  private static int joins(IrcTestUser user) {
    return (int) user.lines().stream().filter(l -> l.startsWith(":U") && l.contains(" JOIN ")).count();
  }

  /** Waits until {@code count} distinct puppets are in the channel as {@code user} sees it (JOINs and NAMES). */
  private static void awaitJoins(IrcTestUser user, int count, int unusedOffset) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
    while (System.nanoTime() < deadline) {
      java.util.Set<String> present = new java.util.HashSet<>();
      for (String l : user.lines()) {
        if (l.startsWith(":U") && l.contains(" JOIN ")) {
          present.add(l.substring(1, l.indexOf('!')));
        } else if (IrcTestUser.command(l).equals("353")) {
          for (String n : l.substring(l.indexOf(" :", 1) + 2).split(" ")) {
            String nick = n.replaceAll("^[~&@%+]+", "");
            if (nick.startsWith("U")) {
              present.add(nick);
            }
          }
        }
      }
      if (present.size() >= count) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not all puppets joined in time");
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
