package dev.switchboard.xmpp.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;

/**
 * Message latency and completeness through a real Prosody, each way, at a fixed send rate. Not a timed test: it
 * asserts nothing about speed, only that nothing is lost or doubled. Run (see docs/benchmarks.md):
 * {@code ./mvnw -B -q -pl bridge-xmpp -am verify -Dswitchboard.bench=true -Dtest=XmppLatencyBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false} (optionally {@code -Dswitchboard.bench.messages=50000
 * -Dswitchboard.bench.rate=200}).
 */
@EnabledIfSystemProperty(named = "switchboard.bench", matches = "true")
class XmppLatencyBenchmark {
  private static final int MESSAGES = Integer.getInteger("switchboard.bench.messages", 50_000);
  private static final int RATE = Integer.getInteger("switchboard.bench.rate", 200);
  /**
   * Messages sent each way at the same rate before the measured ones, not counted: the first seconds of a fresh JVM
   * run interpreted and C1 code and grow thread pools, which the measured window would otherwise charge to the code.
   */
  private static final int WARMUP = Integer.getInteger("switchboard.bench.warmup", 2_000);

  @TempDir
  Path dir;

  @Test
  void latencyAndCompletenessEachWay() throws Exception {
    // Prosody logs at info: a debug line per stanza would cost it more than routing the stanza. Its MUC archive may
    // hold every message of the run: over the limit (10,000 by default) Prosody 0.12 rewrites the whole archive for
    // each message, which capped the MUC at about 47 messages/s.
    try (MucFixture f = MucFixture.start(dir, "{}", "info", 4 * MESSAGES + 1000)) {
      System.out.printf("BENCH xmpp start: load average %s%n", loadAverage());
      TestUser alice = f.hs.user("alice");
      String room = alice.join(f.alias());
      f.awaitMembership(room, f.ghostOf("bob"), "join");
      alice.send(room, "warm-up");
      await().atMost(MucFixture.WAIT).until(() -> f.bob.messages.stream().anyMatch(m -> "warm-up".equals(
          m.getBody())));

      var muc = JidCreate.entityBareFrom(f.muc());
      String ghost = f.ghostOf("bob");
      warmUp(f, alice, room, muc, ghost);

      // Matrix -> XMPP: alice's messages as bob's client receives them.
      long[] sentM2x = new long[MESSAGES];
      long[] gotM2x = new long[MESSAGES];
      AtomicInteger dupM2x = new AtomicInteger();
      AtomicInteger receivedM2x = new AtomicInteger();
      f.bob.connection.addAsyncStanzaListener(s -> {
        long now = System.nanoTime();
        String body = ((Message) s).getBody();
        if (body != null && body.startsWith("m2x-")) {
          int i = Integer.parseInt(body.substring(4));
          synchronized (gotM2x) {
            if (gotM2x[i] != 0) {
              dupM2x.incrementAndGet();
            } else {
              gotM2x[i] = now;
              receivedM2x.incrementAndGet();
            }
          }
        }
      }, s -> s instanceof Message m && m.getType() == Message.Type.groupchat);
      long m2xStart = System.nanoTime();
      paced(sentM2x, i -> alice.send(room, "m2x-" + i));
      await().atMost(Duration.ofMinutes(30)).until(() -> receivedM2x.get() == MESSAGES);
      long m2xEnd = System.nanoTime();
      System.out.printf("BENCH xmpp after Matrix -> XMPP: load average %s%n", loadAverage());

      // XMPP -> Matrix: bob's messages as events in the room.
      long[] sentX2m = new long[MESSAGES];
      long[] gotX2m = new long[MESSAGES];
      AtomicInteger dupX2m = new AtomicInteger();
      AtomicInteger receivedX2m = new AtomicInteger();
      f.hs.onEvent(e -> {
        String body = e.path("content").path("body").asText("");
        if (ghost.equals(e.path("sender").asText()) && body.startsWith("x2m-")) {
          int i = Integer.parseInt(body.substring(4));
          if (gotX2m[i] != 0) {
            dupX2m.incrementAndGet();
          } else {
            gotX2m[i] = System.nanoTime();
            receivedX2m.incrementAndGet();
          }
        }
      });
      long x2mStart = System.nanoTime();
      paced(sentX2m, i -> f.bob.send(StanzaBuilder.buildMessage("x2m-" + i).to(muc)
          .ofType(Message.Type.groupchat).setBody("x2m-" + i).build()));
      await().atMost(Duration.ofMinutes(30)).until(() -> receivedX2m.get() == MESSAGES);
      long x2mEnd = System.nanoTime();
      System.out.printf("BENCH xmpp after XMPP -> Matrix: load average %s%n", loadAverage());
      Thread.sleep(5000); // late duplicates would show up here

      report("Matrix -> XMPP", sentM2x, gotM2x, dupM2x.get(), m2xEnd - m2xStart);
      report("XMPP -> Matrix", sentX2m, gotX2m, dupX2m.get(), x2mEnd - x2mStart);
      assertThat(dupM2x.get() + dupX2m.get()).isZero();
    }
  }

  /** Sends {@link #WARMUP} messages each way at the benchmark's rate and waits until the last of each arrived. */
  private static void warmUp(MucFixture f, TestUser alice, String room, org.jxmpp.jid.EntityBareJid muc, String ghost)
      throws Exception {
    if (WARMUP == 0) {
      return;
    }
    AtomicInteger x2mSeen = new AtomicInteger();
    f.hs.onEvent(e -> {
      if (ghost.equals(e.path("sender").asText()) && e.path("content").path("body").asText("").startsWith("wx-")) {
        x2mSeen.incrementAndGet();
      }
    });
    paced(new long[WARMUP], i -> alice.send(room, "wm-" + i));
    paced(new long[WARMUP], i -> f.bob.send(StanzaBuilder.buildMessage("wx-" + i).to(muc)
        .ofType(Message.Type.groupchat).setBody("wx-" + i).build()));
    String last = "wm-" + (WARMUP - 1);
    await().atMost(Duration.ofMinutes(10)).until(() -> x2mSeen.get() >= WARMUP
        && f.bob.messages.stream().anyMatch(m -> last.equals(m.getBody())));
    System.out.printf("BENCH xmpp warm-up: %d messages each way at %d/s; load average %s%n", WARMUP, RATE,
        loadAverage());
  }

  private interface Send {
    void send(int i) throws Exception;
  }

  /**
   * Sends {@code due.length} messages at RATE per second, on schedule (a late send does not shift the ones after it), and records each
   * message's scheduled time in {@code due}: latency is charged from when it should have been sent, so a sender held
   * up behind a slow call does not hide the delay (no coordinated omission).
   */
  private static void paced(long[] due, Send send) throws Exception {
    long start = System.nanoTime();
    long interval = 1_000_000_000L / RATE;
    for (int i = 0; i < due.length; i++) {
      due[i] = start + i * interval;
      long wait = due[i] - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      send.send(i);
    }
  }

  /**
   * Where in the run the slow messages were (seconds from the first send, worst latency in that 100 ms window), at
   * most 12 windows: a tail from one stall, from a cold start or spread over the run look alike in percentiles.
   */
  private static String slowWindows(long[] micros) {
    int window = Math.max(1, RATE / 10);
    StringBuilder out = new StringBuilder();
    int slow = 0;
    for (int start = 0; start < micros.length; start += window) {
      long worst = 0;
      for (int i = start; i < Math.min(micros.length, start + window); i++) {
        worst = Math.max(worst, micros[i]);
      }
      if (worst > 60_000 && ++slow <= 12) {
        out.append(String.format(" %.1fs:%d", start / (double) RATE, worst / 1000));
      }
    }
    return slow == 0 ? " none" : out + (slow > 12 ? " ... (" + slow + " windows)" : " (" + slow + " windows)");
  }

  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static void report(String way, long[] sent, long[] got, int duplicates, long elapsedNanos) {
    long[] ms = new long[sent.length];
    int lost = 0;
    for (int i = 0; i < sent.length; i++) {
      if (got[i] == 0) {
        lost++;
        ms[i] = Long.MAX_VALUE;
      } else {
        ms[i] = (got[i] - sent[i]) / 1_000;
      }
    }
    System.out.printf("BENCH %s: slow 100 ms windows (a message over 60 ms):%s%n", way, slowWindows(ms));
    Arrays.sort(ms);
    System.out.printf("BENCH %s: %d messages at %d/s: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; "
            + "lost %d, duplicated %d; all delivered %.1f s after the first send (%.0f msg/s)%n", way, sent.length,
        RATE, ms[ms.length / 2] / 1000.0, ms[(int) (ms.length * 0.9)] / 1000.0,
        ms[(int) (ms.length * 0.99)] / 1000.0, ms[ms.length - 1 - lost] / 1000.0, lost, duplicates,
        elapsedNanos / 1e9, sent.length / (elapsedNanos / 1e9));
  }
}
