package dev.switchboard.app.bench;

import static dev.switchboard.app.bench.BenchProcesses.BOT;
import static dev.switchboard.app.bench.BenchProcesses.JAR;
import static dev.switchboard.app.bench.BenchProcesses.JAVA;
import static dev.switchboard.app.bench.BenchProcesses.LAUNCHER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.app.fault.BridgeProcess;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, goal 3: {@code N} IRC puppets on one bridge. Runs the real jar with the shipped launcher
 * ({@code bin/switchboard}, its JVM settings) against the testkit homeserver and a real ngircd: {@code N} Matrix users
 * join the portals of {@code N / perChannel} channels (each gets its puppet), the puppets stay connected for
 * {@code idle} seconds, then every user sends one message, counted as it arrives at one IRC observer per channel. From
 * {@code /proc} (as {@code top} sees the process) it reports per puppet: RSS (at N minus at 0, where "0" is after one
 * warm-up puppet per channel), threads, CPU seconds for connecting and while idle; and how many were connected, lost
 * and bridged. In the same run, against the same ngircd and before the bridge's puppets, {@link StandInPuppets} (N
 * bare Netty clients that register, join and answer PING, started with the launcher's JVM settings) gives the same
 * figures for the network floor.
 *
 * <p>{@code ./mvnw -B -q -o -pl bridge-app -am package -DskipTests && ./mvnw -B -q -o -pl bridge-app -am verify
 * -Dswitchboard.bench=true -Dtest=PuppetScaleBenchmark -Dsurefire.failIfNoSpecifiedTests=false}, with
 * {@code -Dswitchboard.bench.puppets=N} (default 5,000), {@code .perChannel} (100), {@code .idle} (120 s).
 */
@EnabledIfSystemProperty(named = "switchboard.bench", matches = "true")
class PuppetScaleBenchmark {
  private static final int PUPPETS = Integer.getInteger("switchboard.bench.puppets", 5_000);
  private static final int PER_CHANNEL = Integer.getInteger("switchboard.bench.perChannel", 100);
  private static final int IDLE = Integer.getInteger("switchboard.bench.idle", 120);
  private static final Duration SETTLE = Duration.ofSeconds(15);
  private static final Duration WAIT = Duration.ofMinutes(30);

  @TempDir
  Path dir;

  /** What one side (bridge or stand-in) cost: samples at 0, all connected, after the idle period. */
  private record Costs(String who, ProcessSample zero, ProcessSample connected, ProcessSample idleStart,
      ProcessSample idleEnd, Duration connectTime, int open, int lost) {
    String row() {
      return String.format("| %s | %d | %d / %d | %.1f → %.1f MiB | **%.1f KiB** | %d → %d | %.3f"
              + " | %.2f s in %.0f s | %.1f ms | %.2f ms |",
          who, PUPPETS, open, lost, zero.rssKiB() / 1024.0, idleEnd.rssKiB() / 1024.0,
          (idleEnd.rssKiB() - zero.rssKiB()) / (double) PUPPETS, zero.threads(), idleEnd.threads(),
          (idleEnd.threads() - zero.threads()) / (double) PUPPETS,
          connected.cpu().minus(zero.cpu()).toMillis() / 1000.0, connectTime.toMillis() / 1000.0,
          connected.cpu().minus(zero.cpu()).toMillis() / (double) PUPPETS,
          idleEnd.cpu().minus(idleStart.cpu()).toMillis() / (double) PUPPETS);
    }
  }

  @Test
  void puppetsConnectStayConnectedAndBridgeAMessageEach() throws Exception {
    assertThat(JAR).as("build the jar first: ./mvnw -B -q -o -pl bridge-app -am package -DskipTests").exists();
    int channels = (PUPPETS + PER_CHANNEL - 1) / PER_CHANNEL;
    String load = ProcessSample.loadAverage();
    try (NgircdServer ircd = NgircdServer.start(); TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs, cfg -> ircNetwork(cfg, ircd))) {
      Costs floor = standIn(ircd);
      System.out.println("[scale-bench] " + floor.row());

      bridge.start(List.of(LAUNCHER.toString()), env -> {
        env.keySet().removeAll(List.of("MALLOC_ARENA_MAX", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS",
            "SWITCHBOARD_JAVA_OPTS"));
        env.put("JAVA", JAVA);
        env.put("SWITCHBOARD_JAR", JAR.toString());
      });
      long pid = bridge.pid();
      List<IrcTestUser> observers = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        for (int c = 0; c < channels; c++) {
          IrcTestUser observer = IrcTestUser.connect(ircd, "obs" + c);
          observer.join(channel(c));
          observers.add(observer);
        }
        // One warm-up puppet per channel: the portals are open, the bot is in, the code is loaded and compiled.
        List<Joined> warm = joinAll(pool, hs, "w", channels, c -> c);
        awaitJoins(observers, "w", channels, i -> i);
        for (int c = 0; c < channels; c++) {
          observers.get(c).awaitLine(l -> l.startsWith(":" + BOT + "!") && l.contains(" JOIN "), WAIT);
        }
        assertThat(warm).hasSize(channels);
        Thread.sleep(SETTLE.toMillis());
        int base = usersOnServer(ircd, "count0");
        ProcessSample zero = ProcessSample.of(pid);

        long started = System.nanoTime();
        List<Joined> users = joinAll(pool, hs, "p", PUPPETS, i -> i / PER_CHANNEL);
        awaitJoins(observers, "p", PUPPETS, i -> i / PER_CHANNEL);
        Duration connectTime = Duration.ofNanos(System.nanoTime() - started);
        ProcessSample connected = ProcessSample.of(pid);
        Thread.sleep(SETTLE.toMillis());
        ProcessSample idleStart = ProcessSample.of(pid);
        Thread.sleep(IDLE * 1000L);
        ProcessSample idleEnd = ProcessSample.of(pid);
        int open = usersOnServer(ircd, "count1") - base; // count0 left, count1 is on
        long quits = observers.stream().flatMap(o -> o.lines().stream())
            .filter(l -> l.startsWith(":p") && l.contains(" QUIT ")).count();
        Costs costs = new Costs("bridge (`bin/switchboard`)", zero, connected, idleStart, idleEnd, connectTime,
            open, (int) quits);
        System.out.println("[scale-bench] " + costs.row());

        long sendStart = System.nanoTime();
        List<Future<?>> sends = new ArrayList<>();
        for (int i = 0; i < PUPPETS; i++) {
          int k = i;
          sends.add(pool.submit(() -> users.get(k).user().send(users.get(k).room(), "m2i " + k)));
        }
        for (Future<?> f : sends) {
          f.get();
        }
        int arrived = awaitMessages(observers);
        double sendSeconds = (System.nanoTime() - sendStart) / 1e9;
        ProcessSample end = ProcessSample.of(pid);

        System.out.printf("%n%d puppets, %d channels of %d, idle %d s, load average %s → %s%n", PUPPETS, channels,
            PER_CHANNEL, IDLE, load, ProcessSample.loadAverage());
        System.out.println("| process | puppets | connected / lost | RSS at 0 → after idle | RSS per puppet"
            + " | threads at 0 → after | threads per puppet | CPU to connect | CPU per puppet to connect"
            + " | idle CPU per puppet |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        System.out.println(floor.row());
        System.out.println(costs.row());
        System.out.printf("messages: %d of %d arrived on IRC in %.1f s; bridge RSS after them %s, %d threads,"
            + " CPU for them %.2f s%n", arrived, PUPPETS, sendSeconds, end.mib(), end.threads(),
            end.cpu().minus(idleEnd.cpu()).toMillis() / 1000.0);
        assertThat(costs.open()).as("puppets connected after the idle period").isEqualTo(PUPPETS);
        assertThat(arrived).as("messages bridged").isEqualTo(PUPPETS);
      } finally {
        pool.shutdownNow();
        observers.forEach(IrcTestUser::close);
      }
    }
  }

  /** The network: the sample's settings, with room for N puppets and no idle disconnect. */
  private static void ircNetwork(ObjectNode cfg, NgircdServer ircd) {
    ObjectNode irc = cfg.putObject("irc").put("enabled", true);
    irc.putObject("networks").putObject("test").put("host", ircd.host()).put("port", ircd.port()).put("tls", false)
        .put("nick", BOT).put("max_connections", 0).put("idle_timeout_seconds", 0);
  }

  private static String channel(int c) {
    return "#scale" + c;
  }

  private static String alias(TestHomeserver hs, int c) {
    return "#_irc_test_" + channel(c) + ":" + hs.serverName();
  }

  /** A Matrix user in a portal room. */
  private record Joined(TestUser user, String room) {
  }

  /** Users {@code prefix0..} each join the portal of {@code channelOf(i)}, four at a time. */
  private static List<Joined> joinAll(ExecutorService pool, TestHomeserver hs, String prefix, int count,
      java.util.function.IntUnaryOperator channelOf) throws Exception {
    List<Future<Joined>> joins = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int k = i;
      joins.add(pool.submit(() -> {
        TestUser user = hs.user(prefix + k);
        return new Joined(user, user.join(alias(hs, channelOf.applyAsInt(k))));
      }));
    }
    List<Joined> users = new ArrayList<>();
    for (Future<Joined> f : joins) {
      users.add(f.get());
    }
    return users;
  }

  /** Waits until every puppet {@code prefix0..} was seen joining its channel by that channel's observer. */
  private static void awaitJoins(List<IrcTestUser> observers, String prefix, int count,
      java.util.function.IntUnaryOperator channelOf) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Set<String> seen = new HashSet<>();
    while (System.nanoTime() < deadline) {
      seen.clear();
      for (IrcTestUser o : observers) {
        for (String l : o.lines()) {
          if (l.startsWith(":" + prefix) && l.contains(" JOIN ")) {
            seen.add(l.substring(1, l.indexOf('!')));
          }
        }
      }
      if (seen.size() >= count) {
        return;
      }
      Thread.sleep(1_000);
    }
    throw new AssertionError(seen.size() + " of " + count + " puppets joined within " + WAIT);
  }

  /** Waits until the observers have read every {@code m2i k} (or nothing more arrives for a minute). */
  private static int awaitMessages(List<IrcTestUser> observers) throws InterruptedException {
    int last = -1;
    long lastChange = System.nanoTime();
    while (true) {
      Set<String> keys = new HashSet<>();
      for (IrcTestUser o : observers) {
        for (String l : o.lines()) {
          int at = l.indexOf(" :m2i ");
          if (at > 0 && l.contains(" PRIVMSG ")) {
            keys.add(l.substring(at + 6));
          }
        }
      }
      if (keys.size() >= PUPPETS) {
        return keys.size();
      }
      if (keys.size() != last) {
        last = keys.size();
        lastChange = System.nanoTime();
      } else if (System.nanoTime() - lastChange > Duration.ofMinutes(1).toNanos()) {
        return last;
      }
      Thread.sleep(1_000);
    }
  }

  /** How many users ngircd has, as a new client's LUSERS (251) says; the new client stays on until closed. */
  private static int usersOnServer(NgircdServer ircd, String nick) throws IOException {
    IrcTestUser counter = IrcTestUser.connect(ircd, nick);
    try {
      String line = counter.awaitLine(l -> IrcTestUser.command(l).equals("251"), Duration.ofSeconds(60));
      Matcher m = Pattern.compile("There are (\\d+) users").matcher(line);
      assertThat(m.find()).as(line).isTrue();
      return Integer.parseInt(m.group(1));
    } finally {
      if (nick.equals("count0")) {
        counter.close();
      }
    }
  }

  /** The stand-in's run: the same N connections, channels of the same size, the same idle period. */
  private Costs standIn(NgircdServer ircd) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(standInCommand(ircd)).redirectErrorStream(true);
    builder.environment().put("MALLOC_ARENA_MAX", "2"); // as the launcher sets it
    Process process = builder.start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8)); Writer in = new OutputStreamWriter(process.getOutputStream(),
        StandardCharsets.UTF_8)) {
      expect(out, StandInPuppets.READY);
      int channels = (PUPPETS + PER_CHANNEL - 1) / PER_CHANNEL;
      command(in, "connect " + channels + " 1 sw"); // the warm-up, as the bridge's: one client per channel
      expect(out, "joined ");
      Thread.sleep(SETTLE.toMillis());
      ProcessSample zero = ProcessSample.of(process.pid());
      long started = System.nanoTime();
      command(in, "connect " + PUPPETS + " " + PER_CHANNEL + " s");
      String joined = expect(out, "joined ");
      Duration connectTime = Duration.ofNanos(System.nanoTime() - started);
      ProcessSample connected = ProcessSample.of(process.pid());
      Thread.sleep(SETTLE.toMillis());
      ProcessSample idleStart = ProcessSample.of(process.pid());
      Thread.sleep(IDLE * 1000L);
      ProcessSample idleEnd = ProcessSample.of(process.pid());
      command(in, "status");
      int open = Integer.parseInt(expect(out, "open ").substring(5)) - channels;
      command(in, "quit");
      process.waitFor(30, TimeUnit.SECONDS);
      return new Costs("stand-in (bare Netty clients)", zero, connected, idleStart, idleEnd, connectTime, open,
          PUPPETS + channels - Integer.parseInt(joined.substring(7)));
    } finally {
      process.destroyForcibly();
    }
  }

  /** {@code java} with the launcher's JVM settings (read from {@code bin/switchboard}) and the test class path. */
  private static List<String> standInCommand(NgircdServer ircd) throws IOException {
    Matcher m = Pattern.compile("opts=\\$\\{SWITCHBOARD_JAVA_OPTS:-([^}]*)}").matcher(Files.readString(LAUNCHER));
    assertThat(m.find()).as("the JVM settings in " + LAUNCHER).isTrue();
    List<String> command = new ArrayList<>(List.of(JAVA));
    command.addAll(List.of(m.group(1).trim().split(" +")));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), StandInPuppets.class.getName(),
        ircd.host(), Integer.toString(ircd.port()), "s"));
    return command;
  }

  private static void command(Writer in, String command) throws IOException {
    in.write(command + "\n");
    in.flush();
  }

  private static String expect(BufferedReader out, String prefix) throws IOException {
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith(prefix)) {
        return line;
      }
      System.out.println("[stand-in] " + line);
    }
    throw new IOException("the stand-in exited before printing " + prefix);
  }
}
