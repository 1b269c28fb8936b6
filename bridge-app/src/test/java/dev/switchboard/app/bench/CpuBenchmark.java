package dev.switchboard.app.bench;

import static dev.switchboard.app.bench.BenchProcesses.BOT;
import static dev.switchboard.app.bench.BenchProcesses.JAR;
import static dev.switchboard.app.bench.BenchProcesses.JAVA;
import static dev.switchboard.app.bench.BenchProcesses.LAUNCHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.app.fault.BridgeProcess;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, goal 2: the bridge's CPU per bridged message. Runs the real jar ({@code bridge-app/target/switchboard.jar},
 * build it first) with the shipped launcher as its own process against the testkit homeserver, and reads its CPU time
 * from {@code /proc} while {@code users} Matrix users in one portal and one remote user talk both ways at
 * {@code rate} messages a second in all (half each way) for {@code seconds}, twice in a row (the first includes the
 * JIT warming up); and, before that, while nothing is said for as long (the idle floor: connections, timers, the
 * JVM).
 *
 * <p>IRC: the users' puppets are all in one ngircd channel, so every line reaches every puppet's connection. Then,
 * in the same run, {@link StandInBridge} (the least any bridge must do for the same traffic, one connection, its own
 * JVM) carries the same messages between the same homeserver and ngircd, idle and loaded alike. XMPP: the users are
 * occupants of one Prosody MUC through the bridge's component; then {@link StandInXmpp} (one client connection, one
 * occupant, its own JVM) is measured the same way.
 *
 * <p>{@code ./mvnw -B -q -o -pl bridge-app -am package -DskipTests && ./mvnw -B -q -o -pl bridge-app -am verify
 * -Dswitchboard.bench=true -Dtest=CpuBenchmark -Dsurefire.failIfNoSpecifiedTests=false}, with
 * {@code -Dswitchboard.bench.users=50}, {@code .seconds=60}, {@code .rate=5}, {@code .settle=10}, {@code .loads=2}
 * (more than two measures further loads in a row, for a bridge that has run longer: the JIT's share fades) and
 * {@code .opts="..."} (JVM settings instead of the launcher's), {@code .jfr=/path/prefix} (a flight recording of
 * each loaded phase, with {@code .jfc=settings}, default {@code profile}) and {@code .before=/path/to/other/switchboard.jar} (another build measured first, same run).
 * Prints a table; asserts only that nothing was lost.
 */
@EnabledIfSystemProperty(named = "switchboard.bench", matches = "true")
class CpuBenchmark {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int USERS = Integer.getInteger("switchboard.bench.users", 50);
  private static final int SECONDS = Integer.getInteger("switchboard.bench.seconds", 60);
  private static final int RATE = Integer.getInteger("switchboard.bench.rate", 5);
  private static final int SETTLE = Integer.getInteger("switchboard.bench.settle", 10);
  /** Loads in a row, each {@code SECONDS} long: the first two are the table's columns, any more its last one. */
  private static final int LOADS = Math.max(2, Integer.getInteger("switchboard.bench.loads", 2));
  private static final String OPTS = System.getProperty("switchboard.bench.opts", "");
  /** Another build's jar, measured in the same run right before this build's (e.g. the commit before a change). */
  private static final String BEFORE = System.getProperty("switchboard.bench.before", "");
  /** The launcher's default settings, for the stand-in's JVM. */
  private static final List<String> SHIPPED = List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx1g");
  /** Where to write a flight recording of each loaded phase ({@code <jfr>-<pid>.jfr}); none if empty. */
  private static final String JFR = System.getProperty("switchboard.bench.jfr", "");

  @TempDir
  Path dir;

  /** CPU used idle and in two loads (each as long as the idle phase), the messages of each, their latencies. */
  private record Cpu(String what, Duration idle, Duration first, Duration second, List<Duration> later, int messages,
      String there, String back) {
    String row() {
      return String.format("| %s | %.2f s | %.2f s (%.2f ms/msg) | %.2f s (%.2f ms/msg) | %s | %s |", what,
          idle.toMillis() / 1000.0, first.toMillis() / 1000.0, first.toNanos() / 1e6 / messages,
          second.toMillis() / 1000.0, second.toNanos() / 1e6 / messages, there, back)
          + (later.isEmpty() ? "" : later.stream().map(d -> String.format("%.2f s", d.toMillis() / 1000.0))
              .collect(java.util.stream.Collectors.joining(", ", " ", " |")));
    }
  }

  @Test
  void ircWithEveryPuppetInOneChannelAgainstTheStandIn() throws Exception {
    assertThat(JAR).as("build the jar first: ./mvnw -B -q -o -pl bridge-app -am package -DskipTests").exists();
    List<Cpu> rows = new ArrayList<>();
    String loadBefore = ProcessSample.loadAverage();
    for (Path jar : jars()) {
      try (NgircdServer ircd = NgircdServer.start(); TestHomeserver hs = BridgeProcess.homeserver();
          BridgeProcess bridge = BridgeProcess.configure(Files.createDirectories(dir.resolve("irc-" + rows.size())),
              hs, cfg -> ircNetwork(cfg, ircd))) {
        bridge.start(List.of(LAUNCHER.toString()), env -> launcherEnvironment(env, jar));
        try (PortalTraffic traffic = PortalTraffic.join(ircd, hs, USERS, 1, BOT, WAIT)) {
          rows.add(measure(name(jar) + ", " + USERS + " puppets in the channel", bridge.pid(), traffic::send,
              traffic::pending, () -> traffic.toIrc() + "", () -> traffic.toMatrix() + ""));
        }
      }
    }
    try (NgircdServer ircd = NgircdServer.start(); TestHomeserver hs = BridgeProcess.homeserver()) {
      String nick = "standin";
      StandIn standIn = new StandIn(hs);
      try (PortalTraffic traffic = PortalTraffic.standIn(ircd, hs, USERS, nick, room -> standIn.start(
          StandInBridge.class, List.of(ircd.host(), Integer.toString(ircd.port()), "#mem0", nick), room), WAIT)) {
        rows.add(measure("stand-in (one connection)", standIn.process.pid(), traffic::send, traffic::pending,
            () -> traffic.toIrc() + "", () -> traffic.toMatrix() + ""));
      } finally {
        standIn.stop();
      }
    }
    print("IRC, one channel", loadBefore, rows, "Matrix→IRC", "IRC→Matrix");
  }

  @Test
  void xmppWithEveryUserInOneMuc() throws Exception {
    assertThat(JAR).as("build the jar first: ./mvnw -B -q -o -pl bridge-app -am package -DskipTests").exists();
    List<Cpu> rows = new ArrayList<>();
    String loadBefore = ProcessSample.loadAverage();
    for (Path jar : jars()) {
      try (ProsodyServer prosody = ProsodyServer.start("warn"); TestHomeserver hs = BridgeProcess.homeserver();
          BridgeProcess bridge = BridgeProcess.configure(Files.createDirectories(dir.resolve("xmpp-" + rows.size())),
              hs, cfg -> cfg.putObject("xmpp").put("enabled", true).put("domain", ProsodyServer.COMPONENT)
                  .put("secret", prosody.componentSecret()).put("server_host", "127.0.0.1")
                  .put("server_port", prosody.componentPort()))) {
        bridge.start(List.of(LAUNCHER.toString()), env -> launcherEnvironment(env, jar));
        try (MucTraffic traffic = MucTraffic.join(prosody, hs, USERS, WAIT)) {
          rows.add(measure(name(jar) + ", " + USERS + " Matrix users in the MUC", bridge.pid(), traffic::send,
              traffic::pending, () -> traffic.toXmpp() + "", () -> traffic.toMatrix() + ""));
        }
      }
    }
    try (ProsodyServer prosody = ProsodyServer.start("warn"); TestHomeserver hs = BridgeProcess.homeserver()) {
      String nick = "standin";
      prosody.createUser(nick, "pw-" + nick);
      StandIn standIn = new StandIn(hs);
      try (MucTraffic traffic = MucTraffic.standIn(prosody, hs, USERS, nick, room -> standIn.start(StandInXmpp.class,
          List.of(Integer.toString(prosody.c2sPort()), ProsodyServer.HOST, nick, "pw-" + nick, MucTraffic.MUC, nick),
          room), WAIT)) {
        rows.add(measure("stand-in (one client connection)", standIn.process.pid(), traffic::send, traffic::pending,
            () -> traffic.toXmpp() + "", () -> traffic.toMatrix() + ""));
      } finally {
        standIn.stop();
      }
    }
    print("XMPP, one MUC", loadBefore, rows, "Matrix→XMPP", "XMPP→Matrix");
  }

  /**
   * Idle for {@code SECONDS} after settling, then {@code RATE * SECONDS} messages twice in a row (or {@code LOADS}
   * times): the first minute includes the JIT compiling the paths the traffic makes hot, the second is closer to a
   * bridge that has run a while, and later ones closer still.
   */
  private static Cpu measure(String what, long pid, LongConsumer send, LongSupplier pending,
      java.util.function.Supplier<String> there, java.util.function.Supplier<String> back)
      throws InterruptedException {
    TimeUnit.SECONDS.sleep(SETTLE);
    Duration start = ProcessSample.of(pid).cpu();
    TimeUnit.SECONDS.sleep(SECONDS);
    Duration idle = ProcessSample.of(pid).cpu().minus(start);
    AtomicLong next = new AtomicLong();
    Duration first = load(what + ", first load", pid, next, send, pending);
    Duration second = load(what + ", second load", pid, next, send, pending);
    List<Duration> later = new ArrayList<>();
    for (int k = 3; k <= LOADS; k++) {
      later.add(load(what + ", load " + k, pid, next, send, pending));
    }
    Cpu cpu = new Cpu(what, idle, first, second, later, RATE * SECONDS, there.get(), back.get());
    System.out.println("[cpu-bench] " + cpu.row());
    return cpu;
  }

  /** {@code RATE * SECONDS} messages numbered on from {@code next}; the CPU until the last arrived. */
  private static Duration load(String what, long pid, AtomicLong next, LongConsumer send, LongSupplier pending) {
    long end = next.get() + (long) RATE * SECONDS;
    ScheduledExecutorService driver = Executors.newSingleThreadScheduledExecutor();
    jcmd(pid, "JFR.start", "name=cpu", "settings=" + System.getProperty("switchboard.bench.jfc", "profile"));
    java.util.Map<String, Duration> threads = ProcessSample.cpuByThread(pid);
    Duration before = ProcessSample.of(pid).cpu();
    try {
      driver.scheduleAtFixedRate(() -> {
        long k = next.getAndIncrement();
        if (k < end) {
          send.accept(k);
        }
      }, 0, 1000 / RATE, TimeUnit.MILLISECONDS);
      await().atMost(Duration.ofSeconds(SECONDS).plus(WAIT)).pollInterval(Duration.ofMillis(100))
          .until(() -> next.get() >= end);
      await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> pending.getAsLong() == 0);
    } finally {
      driver.shutdownNow();
    }
    Duration used = ProcessSample.of(pid).cpu().minus(before);
    java.util.Map<String, Duration> byThread = ProcessSample.cpuByThread(pid);
    threads.forEach((name, then) -> byThread.computeIfPresent(name, (n, now) -> now.minus(then)));
    jcmd(pid, "JFR.stop", "name=cpu", "filename=" + JFR + "-" + pid + "-" + end + ".jfr");
    System.out.println("[cpu-bench] " + what + ": " + used.toMillis() + " ms; by thread: " + byThread.entrySet()
        .stream().filter(e -> e.getValue().toMillis() >= 20)
        .sorted(java.util.Map.Entry.comparingByValue(java.util.Comparator.reverseOrder()))
        .map(e -> e.getKey() + " " + e.getValue().toMillis() + " ms").toList());
    return used;
  }

  /** A flight recording command for the measured process, when {@code jfr} is set. */
  private static void jcmd(long pid, String... command) {
    if (JFR.isEmpty()) {
      return;
    }
    List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(pid)));
    line.addAll(List.of(command));
    try {
      new ProcessBuilder(line).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void print(String title, String loadBefore, List<Cpu> rows, String there, String back) {
    System.out.printf("%n%s: %d users, %d msg/s for %d s (half each way), load %s → %s%n", title, USERS, RATE,
        SECONDS, loadBefore, ProcessSample.loadAverage());
    System.out.println("| process | CPU idle " + SECONDS + " s | CPU, first " + SECONDS + " s of traffic | CPU, next "
        + SECONDS + " s | " + there + " (all loads) | " + back + " (all loads) |"
        + (LOADS > 2 ? " CPU, loads 3 to " + LOADS + " |" : ""));
    System.out.println("| --- | --- | --- | --- | --- | --- |" + (LOADS > 2 ? " --- |" : ""));
    rows.forEach(r -> System.out.println(r.row()));
    assertThat(rows).allSatisfy(r -> assertThat(r.there() + r.back()).doesNotContain(", 1 lost")
        .containsPattern("(?s), 0 lost.*, 0 lost"));
  }

  /** The jar given as {@code before}, if any, then this build's. */
  private static List<Path> jars() {
    return BEFORE.isEmpty() ? List.of(JAR) : List.of(Path.of(BEFORE).toAbsolutePath(), JAR);
  }

  private static String name(Path jar) {
    return jar.equals(JAR) ? "Switchboard (this build)" : "Switchboard (" + jar.getFileName() + ")";
  }

  /** The launcher with {@code jar}, and {@code OPTS} instead of its JVM settings if set. */
  private static void launcherEnvironment(java.util.Map<String, String> env, Path jar) {
    for (String inherited : List.of("MALLOC_ARENA_MAX", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS",
        "SWITCHBOARD_JAVA_OPTS")) {
      env.remove(inherited);
    }
    env.put("JAVA", JAVA);
    env.put("SWITCHBOARD_JAR", jar.toString());
    if (!OPTS.isEmpty()) {
      env.put("SWITCHBOARD_JAVA_OPTS", OPTS);
    }
  }

  private static void ircNetwork(ObjectNode cfg, NgircdServer ircd) {
    ObjectNode irc = cfg.putObject("irc").put("enabled", true);
    irc.putObject("networks").putObject("test").put("host", ircd.host()).put("port", ircd.port()).put("tls", false)
        .put("nick", BOT);
  }

  /**
   * A stand-in's JVM, started with the launcher's heap and collector settings, registered with the homeserver as an
   * application service whose one ghost is {@code @standin_ref0}.
   */
  private final class StandIn {
    private final TestHomeserver hs;
    private final int port = FreePorts.tcp();
    private final String token = UUID.randomUUID().toString();
    private Process process;

    StandIn(TestHomeserver hs) {
      this.hs = hs;
      hs.registerAppService(new AppServiceRegistration("standin", "http://127.0.0.1:" + port, token,
          UUID.randomUUID().toString(), "standin", List.of(new AppServiceRegistration.Namespace("@standin_.*", true)),
          List.of(), List.of(), false, List.of()));
    }

    /**
     * Runs {@code main} with its own arguments {@code args}, then the homeserver's URL, the as_token, {@code room},
     * the ghost and the transactions port.
     */
    void start(Class<?> main, List<String> args, String room) {
      List<String> command = new ArrayList<>(List.of(JAVA));
      command.addAll(SHIPPED);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
      command.addAll(args);
      command.addAll(List.of(hs.baseUrl(), token, room, "@standin_ref0:" + hs.serverName(), Integer.toString(port)));
      Path log = dir.resolve("stand-in-" + main.getSimpleName() + ".log");
      try {
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      await().atMost(WAIT).until(() -> {
        if (!process.isAlive()) {
          throw new AssertionError("the stand-in exited: " + Files.readString(log));
        }
        return Files.readString(log).contains(StandInBridge.READY);
      });
    }

    void stop() throws InterruptedException {
      if (process != null) {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
