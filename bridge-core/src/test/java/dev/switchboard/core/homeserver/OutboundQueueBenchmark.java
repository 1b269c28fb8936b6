package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * One room's lane of the outbound queue at full speed and paced: 5,000 messages from one ghost into ONE room through
 * the real {@link HomeserverClient}, {@link OutboundQueue} (SQLite, synchronous=FULL) and {@link AppServiceIntents}
 * to the testkit homeserver (which validates every request against the spec schemas). Prints msg/s and p50/p99 from
 * enqueue to the caller's future completing (the homeserver accepted it), with the load average; and, first, what
 * each phase of a message costs on its own (an insert commit, a delete commit, one send round trip).
 * Not a timed test: it asserts nothing about speed. Run (see docs/benchmarks.md):
 * {@code ./mvnw -B -q -o -pl bridge-core -am verify -Dswitchboard.bench=true -Dtest=OutboundQueueBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "switchboard.bench", matches = "true")
class OutboundQueueBenchmark {
  private static final String SERVER = "test.local";
  private static final UserId BOT = UserId.of("@switchboard:" + SERVER);
  private static final UserId GHOST = UserId.of("@_irc_bench:" + SERVER);
  private static final int MESSAGES = Integer.getInteger("switchboard.bench.messages", 5000);
  private static final int WARMUP = Integer.getInteger("switchboard.bench.warmup", 1000);
  private static final int PACED_RATE = Integer.getInteger("switchboard.bench.paced", 200);
  private static final int PHASE_SAMPLES = 500;

  @Test
  void oneRoom() throws Exception {
    Path dir = Files.createTempDirectory("outq-bench");
    TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName(SERVER));
    AppServiceRegistration registration = AppServiceRegistration.builder("switchboard")
        .senderLocalpart("switchboard").users("@_irc_.*:" + SERVER.replace(".", "\\."), true).build();
    hs.registerAppService(registration);
    try (BridgeSide bridge = new BridgeSide(URI.create(hs.baseUrl()), registration.asToken(), BOT,
        dir.resolve("bench.db"), BridgeSide.FAST).started()) {
      String room = hs.user("owner").createRoom(RoomSpec.publicRoom().invite(BOT.value()));
      RoomId roomId = RoomId.of(room);
      Intent ghost = bridge.intents.ghost(GHOST);
      ghost.ensureJoined(roomId).get(30, TimeUnit.SECONDS);

      phases(bridge, ghost, roomId);
      run("warm-up", ghost, roomId, WARMUP, 0);
      run("back-to-back", ghost, roomId, MESSAGES, 0);
      if (PACED_RATE > 0) {
        run("paced " + PACED_RATE + "/s", ghost, roomId, MESSAGES, PACED_RATE);
      }
    } finally {
      hs.close();
      try (var files = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** What one message's steps cost when each runs alone, one after another. */
  private static void phases(BridgeSide bridge, Intent ghost, RoomId room) throws Exception {
    long[] insert = new long[PHASE_SAMPLES];
    long[] delete = new long[PHASE_SAMPLES];
    String json = "{\"kind\":\"send\",\"sender\":\"" + GHOST.value() + "\",\"room\":\"" + room.value()
        + "\",\"type\":\"m.room.message\",\"content\":{\"msgtype\":\"m.text\",\"body\":\"phase\"},\"txn_id\":\"x\"}";
    for (int i = 0; i < PHASE_SAMPLES; i++) {
      long seq = 1_000_000_000L + i;
      long t0 = System.nanoTime();
      bridge.database.inTransaction(c -> {
        try (var st = c.prepareStatement("INSERT INTO outbound_queue (seq, queue_key, request, attempts, created_at) "
            + "VALUES (?, 'bench-phase', ?, 0, 0)")) {
          st.setLong(1, seq);
          st.setString(2, json);
          st.executeUpdate();
        }
        return null;
      });
      long t1 = System.nanoTime();
      bridge.database.inTransaction(c -> {
        try (var st = c.prepareStatement("DELETE FROM outbound_queue WHERE seq = ?")) {
          st.setLong(1, seq);
          st.executeUpdate();
        }
        return null;
      });
      long t2 = System.nanoTime();
      insert[i] = t1 - t0;
      delete[i] = t2 - t1;
    }
    long[] rtt = new long[PHASE_SAMPLES];
    for (int i = 0; i < PHASE_SAMPLES; i++) {
      MatrixRequest r = new OutboundRequest.SendEvent(GHOST, room, "m.room.message", text("rtt " + i),
          TransactionIds.derive(GHOST, room, "send", "phase-" + i), null).toRequest().as(GHOST);
      long t0 = System.nanoTime();
      bridge.client.call(r).get(30, TimeUnit.SECONDS);
      rtt[i] = System.nanoTime() - t0;
    }
    System.out.printf(Locale.ROOT, "%nOutbound queue phases, each alone (%d samples): insert commit p50 %.2f ms p99 "
        + "%.2f ms; delete commit p50 %.2f ms p99 %.2f ms; send round trip (client → testkit homeserver) p50 %.2f ms "
        + "p99 %.2f ms%n", PHASE_SAMPLES, pct(insert, 50), pct(insert, 99), pct(delete, 50), pct(delete, 99),
        pct(rtt, 50), pct(rtt, 99));
  }

  private static void run(String name, Intent ghost, RoomId room, int count, int rate) throws Exception {
    long[] latency = new long[count];
    List<CompletableFuture<?>> all = new ArrayList<>(count);
    String load0 = loadAverage();
    long start = System.nanoTime();
    long interval = rate > 0 ? 1_000_000_000L / rate : 0;
    for (int i = 0; i < count; i++) {
      if (rate > 0) {
        long due = start + i * interval;
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      int n = i;
      long enqueued = System.nanoTime();
      all.add(ghost.sendMessage(room, text(name + " " + i), name + "-" + System.identityHashCode(all) + "-" + i)
          .whenComplete((id, error) -> latency[n] = System.nanoTime() - enqueued));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
    long elapsed = System.nanoTime() - start;
    System.out.printf(Locale.ROOT, "Outbound queue, one room, %s: %d msgs in %.2f s = %.0f msg/s; enqueue → accepted "
        + "p50 %.1f ms p99 %.1f ms max %.1f ms; load average before %s, after %s%n", name, count, elapsed / 1e9,
        count / (elapsed / 1e9), pct(latency, 50), pct(latency, 99), pct(latency, 100), load0, loadAverage());
  }

  static double pct(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int i = Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1));
    return sorted[i] / 1e6;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "n/a";
    }
  }

  private static ObjectNode text(String body) {
    return JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", body);
  }
}
