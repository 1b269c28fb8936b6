package dev.switchboard.app.bench;

import static dev.switchboard.app.bench.BenchProcesses.BOT;
import static dev.switchboard.app.bench.BenchProcesses.JAR;
import static dev.switchboard.app.bench.BenchProcesses.JAVA;
import static dev.switchboard.app.bench.BenchProcesses.LAUNCHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.app.fault.BridgeProcess;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.irc.NgircdServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, goal 3: what the bridge costs in memory with the settings a new admin gets. Runs the real jar
 * ({@code bridge-app/target/switchboard.jar}, so build it first) as its own process against the testkit homeserver
 * and a real ngircd, and reports its RSS, peak RSS, threads and CPU time (from {@code /proc}, as {@code top} sees
 * them): at rest after the start, with {@code users} Matrix users each in a bridged channel with its IRC puppet,
 * while they and one IRC user per channel talk both ways at {@code rate} messages a second for {@code seconds}, and
 * {@code settle} seconds after. Next to it, in the same minutes, an idle JVM serving HTTP ({@link IdleJvm}) started
 * the same way gives the JVM's own floor. Each round runs the plain {@code java -jar} (the JVM's defaults) and then
 * {@code bin/switchboard} (the shipped settings); {@code -Dswitchboard.bench.opts="..."} adds a third variant, the
 * launcher with those settings instead. Prints a table; asserts only that nothing was lost.
 *
 * <p>{@code ./mvnw -B -q -o -pl bridge-app -am package -DskipTests && ./mvnw -B -q -o -pl bridge-app -am verify
 * -Dswitchboard.bench=true -Dtest=MemoryBenchmark -Dsurefire.failIfNoSpecifiedTests=false}, with
 * {@code -Dswitchboard.bench.rounds=R}, {@code .users}, {@code .channels}, {@code .seconds}, {@code .rate},
 * {@code .settle}.
 */
@EnabledIfSystemProperty(named = "switchboard.bench", matches = "true")
class MemoryBenchmark {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int ROUNDS = Integer.getInteger("switchboard.bench.rounds", 1);
  private static final int USERS = Integer.getInteger("switchboard.bench.users", 50);
  private static final int CHANNELS = Integer.getInteger("switchboard.bench.channels", 10);
  private static final int SECONDS = Integer.getInteger("switchboard.bench.seconds", 60);
  private static final int RATE = Integer.getInteger("switchboard.bench.rate", 5);
  private static final int SETTLE = Integer.getInteger("switchboard.bench.settle", 20);
  private static final String OPTS = System.getProperty("switchboard.bench.opts", "");
  private static final List<String> VARIANTS =
      List.of(System.getProperty("switchboard.bench.variants", "default,launcher").split(","));

  @TempDir
  Path dir;

  /**
   * How a process is started: {@code opts == null} is {@code java -XX:+ExitOnOutOfMemoryError -jar} (what the unit
   * file ran before the launcher), {@code ""} the launcher's own settings, anything else the launcher with
   * {@code SWITCHBOARD_JAVA_OPTS} set to it.
   */
  private record Variant(String name, String opts) {
    List<String> command(Path jar) {
      return opts == null ? List.of(JAVA, "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString())
          : List.of(LAUNCHER.toString());
    }

    void environment(Map<String, String> env, Path jar) {
      for (String inherited : List.of("MALLOC_ARENA_MAX", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS",
          "SWITCHBOARD_JAVA_OPTS", "SWITCHBOARD_JAR", "JAVA")) {
        env.remove(inherited);
      }
      if (opts != null) {
        env.put("JAVA", JAVA);
        env.put("SWITCHBOARD_JAR", jar.toString());
        if (!opts.isEmpty()) {
          env.put("SWITCHBOARD_JAVA_OPTS", opts);
        }
      }
    }
  }

  /** One run's figures; samples of the bridge unless named {@code ref}. */
  private record Result(String variant, int round, String loadBefore, String loadAfter, ProcessSample rest,
      ProcessSample refRest, ProcessSample joined, long peakRssKiB, int peakThreads, ProcessSample loaded,
      ProcessSample after, ProcessSample refAfter, Duration loadCpu, Duration secondHalfCpu,
      Latencies.Summary toIrc, Latencies.Summary toMatrix) {
    String row() {
      return String.format("| %d | %s | %s → %s | %s (%d thr) | %s (%d thr) | %s | %.1f MiB (%d thr) | %s"
          + " | %s, HWM %.1f MiB | %s | %.2f s (second half %.2f s; %.2f s since start) | %s | %s |",
          round, variant, loadBefore, loadAfter, rest.mib(), rest.threads(), refRest.mib(), refRest.threads(),
          joined.mib(), peakRssKiB / 1024.0, peakThreads, loaded.mib(), after.mib(), after.hwmKiB() / 1024.0,
          refAfter.mib(), seconds(loadCpu), seconds(secondHalfCpu), seconds(after.cpu()), toIrc, toMatrix);
    }

    private static double seconds(Duration d) {
      return d.toMillis() / 1000.0;
    }
  }

  @Test
  void restLoadAndAfterWithTheDefaultAndTheShippedSettings() throws Exception {
    assertThat(JAR).as("build the jar first: ./mvnw -B -q -o -pl bridge-app -am package -DskipTests").exists();
    Path idle = IdleJvm.jar(dir);
    List<Variant> variants = new ArrayList<>();
    if (VARIANTS.contains("default")) {
      variants.add(new Variant("java -jar (JVM defaults)", null));
    }
    if (VARIANTS.contains("launcher")) {
      variants.add(new Variant("bin/switchboard", ""));
    }
    if (!OPTS.isEmpty()) {
      variants.add(new Variant("bin/switchboard with " + OPTS, OPTS));
    }
    List<Result> results = new ArrayList<>();
    for (int round = 1; round <= ROUNDS; round++) {
      for (Variant variant : variants) {
        Result result = run(variant, round, idle);
        System.out.println("[memory-bench] " + result.row());
        results.add(result);
      }
    }
    System.out.printf("%n%d users in %d channels, %d msg/s for %d s (half each way), settle %d s%n", USERS,
        CHANNELS, RATE, SECONDS, SETTLE);
    System.out.println("| round | settings | load avg | rest | idle JVM, rest | " + USERS + " users joined"
        + " | peak under load | end of load | " + SETTLE + " s after | idle JVM, after | CPU under load"
        + " | Matrix→IRC | IRC→Matrix |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    results.forEach(r -> System.out.println(r.row()));
    assertThat(results).allSatisfy(r -> {
      assertThat(r.toIrc().lost()).as(r.variant() + " Matrix→IRC lost").isZero();
      assertThat(r.toMatrix().lost()).as(r.variant() + " IRC→Matrix lost").isZero();
    });
  }

  private Result run(Variant variant, int round, Path idleJar) throws Exception {
    Path runDir = Files.createDirectories(dir.resolve("run-" + round + "-" + (variant.opts() == null ? "default"
        : Integer.toHexString(variant.opts().hashCode()))));
    try (NgircdServer ircd = NgircdServer.start(); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(runDir, hs, cfg -> ircNetwork(cfg, ircd));
        Reference ref = new Reference(variant, idleJar, runDir)) {
      String loadBefore = ProcessSample.loadAverage();
      bridge.start(variant.command(JAR), env -> variant.environment(env, JAR));
      long pid = bridge.pid();
      TimeUnit.SECONDS.sleep(SETTLE);
      ProcessSample rest = ProcessSample.of(pid);
      ProcessSample refRest = ProcessSample.of(ref.pid());

      try (PortalTraffic traffic = PortalTraffic.join(ircd, hs, USERS, CHANNELS, BOT, WAIT)) {
        ProcessSample joined = ProcessSample.of(pid);
        Load load = load(pid, traffic, bridge);
        ProcessSample loaded = ProcessSample.of(pid);
        TimeUnit.SECONDS.sleep(SETTLE);
        ProcessSample after = ProcessSample.of(pid);
        ProcessSample refAfter = ProcessSample.of(ref.pid());
        return new Result(variant.name(), round, loadBefore, ProcessSample.loadAverage(), rest, refRest, joined,
            load.peakRssKiB(), load.peakThreads(), loaded, after, refAfter, loaded.cpu().minus(joined.cpu()),
            load.secondHalfCpu(), traffic.toIrc(), traffic.toMatrix());
      }
    }
  }

  /** The peaks seen while the load ran (sampled every second) and the CPU its second half took. */
  private record Load(long peakRssKiB, int peakThreads, Duration secondHalfCpu) {
  }

  /** {@code RATE * SECONDS} numbered messages, alternately each way, then waits for them to arrive. */
  private static Load load(long pid, PortalTraffic traffic, BridgeProcess bridge) {
    AtomicLong peakRss = new AtomicLong();
    AtomicLong peakThreads = new AtomicLong();
    AtomicLong next = new AtomicLong();
    int messages = RATE * SECONDS;
    Duration secondHalf = Duration.ZERO;
    ScheduledExecutorService driver = Executors.newScheduledThreadPool(2);
    try {
      driver.scheduleAtFixedRate(() -> {
        ProcessSample s = ProcessSample.of(pid);
        peakRss.accumulateAndGet(s.rssKiB(), Math::max);
        peakThreads.accumulateAndGet(s.threads(), Math::max);
      }, 0, 1, TimeUnit.SECONDS);
      driver.scheduleAtFixedRate(() -> {
        long k = next.getAndIncrement();
        if (k < messages) {
          traffic.send(k);
        }
      }, 0, 1000 / RATE, TimeUnit.MILLISECONDS);
      Duration sending = Duration.ofSeconds(SECONDS).plus(WAIT);
      await().atMost(sending).pollInterval(Duration.ofMillis(100)).until(() -> next.get() >= messages / 2);
      ProcessSample halfway = ProcessSample.of(pid);
      await().atMost(sending).pollInterval(Duration.ofMillis(100)).until(() -> next.get() >= messages);
      secondHalf = ProcessSample.of(pid).cpu().minus(halfway.cpu());
      await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> traffic.pending() == 0);
    } catch (ConditionTimeoutException e) {
      System.out.println("[memory-bench] " + traffic.pending() + " messages did not arrive; bridge log:\n"
          + bridge.logTail());
    } finally {
      driver.shutdownNow();
    }
    return new Load(peakRss.get(), (int) peakThreads.get(), secondHalf);
  }

  /** The network the fault tests use: only the server is ours, every other IRC setting is the sample's. */
  private static void ircNetwork(ObjectNode cfg, NgircdServer ircd) {
    ObjectNode irc = cfg.putObject("irc").put("enabled", true);
    irc.putObject("networks").putObject("test").put("host", ircd.host()).put("port", ircd.port()).put("tls", false)
        .put("nick", BOT);
  }

  /** The idle JVM, started like the bridge in the same run, stopped with the run. */
  private static final class Reference implements AutoCloseable {
    private final Process process;

    Reference(Variant variant, Path jar, Path runDir) throws IOException {
      Path log = runDir.resolve("idle-jvm.log");
      ProcessBuilder builder = new ProcessBuilder(variant.command(jar)).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      variant.environment(builder.environment(), jar);
      process = builder.start();
      await().atMost(WAIT).until(() -> Files.readString(log).contains(IdleJvm.READY));
    }

    long pid() {
      return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
