package dev.switchboard.app.fault;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.app.Main;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.spec.SpecSchemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The bridge as an admin runs it ({@code Main run --config FILE}) in a child JVM on the test classpath, so a test can
 * SIGKILL it and start it again on the same port, config and database. The config is the sample a first run
 * writes, with only the homeserver, the AS port, the permissions and the connector sections a test sets changed:
 * every other value (SQLite file next to the config, flood control, timeouts) is what a new admin gets.
 */
public final class BridgeProcess implements AutoCloseable {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** The line {@code Bridge.start} logs once every listener is up and every connector started. */
  private static final String STARTED = "Switchboard started";
  /** 128 + SIGKILL's number: how a JVM killed by signal 9 exits. */
  private static final int KILLED_BY_SIGKILL = 137;

  private static SpecSchemas spec;

  private final Path dir;
  private final Path config;
  private final Path log;
  private Process process;
  private int starts;

  private BridgeProcess(Path dir, Path config) {
    this.dir = dir;
    this.config = config;
    this.log = dir.resolve("bridge.log");
  }

  /** A testkit homeserver with default options; the spec's schemas are loaded once for every fault test. */
  public static TestHomeserver homeserver() {
    synchronized (BridgeProcess.class) {
      if (spec == null) {
        spec = SpecSchemas.load();
      }
    }
    return TestHomeserver.start(Options.defaults(), spec);
  }

  /**
   * Writes {@code dir/config.yaml} (the sample config, pointed at {@code hs}, then edited by {@code connectors}),
   * writes the registration with the CLI's {@code registration} command and loads it into {@code hs}. Does not
   * start the bridge.
   */
  public static BridgeProcess configure(Path dir, TestHomeserver hs, Consumer<ObjectNode> connectors)
      throws IOException {
    Path config = dir.resolve("config.yaml");
    ObjectNode cfg = (ObjectNode) YAML.readTree(ConfigLoader.sampleConfig());
    int asPort = freePort();
    ((ObjectNode) cfg.get("homeserver")).put("url", hs.baseUrl()).put("domain", hs.serverName());
    ((ObjectNode) cfg.get("appservice")).put("url", "http://127.0.0.1:" + asPort).put("port", asPort);
    ((ObjectNode) cfg.get("media")).put("port", 0);
    cfg.putObject("permissions").put(hs.serverName(), "user").put("@admin:" + hs.serverName(), "admin");
    connectors.accept(cfg);
    YAML.writeValue(config.toFile(), cfg);
    if (Main.execute("registration", "--config", config.toString()) != 0) {
      throw new IllegalStateException("the registration command failed for " + config);
    }
    hs.registerAppService(AppServiceRegistration.fromYaml(dir.resolve("registration.yaml")));
    return new BridgeProcess(dir, config);
  }

  /** Starts the bridge and returns once it logged that it started. */
  public BridgeProcess start() {
    // A small heap and the client compiler: the machine is shared, and the bridge's start time is part of the
    // window a kill opens.
    return start(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        Main.class.getName()), env -> { });
  }

  /**
   * Starts the bridge with {@code launcher} (the command up to the CLI's arguments, e.g. {@code java -jar
   * switchboard.jar} or {@code bin/switchboard}) in the environment {@code environment} edits, and returns once it
   * logged that it started.
   */
  public BridgeProcess start(List<String> launcher, Consumer<Map<String, String>> environment) {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("the bridge is already running");
    }
    int before = startedLines();
    List<String> command = new ArrayList<>(launcher);
    command.addAll(List.of("run", "--config", config.toString()));
    try {
      Files.writeString(log, "---- start " + (++starts) + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      environment.accept(builder.environment());
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the bridge", e);
    }
    await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
      if (!process.isAlive()) {
        throw new AssertionError("the bridge exited with " + process.exitValue() + "; log:\n" + logTail());
      }
      return startedLines() > before;
    });
    return this;
  }

  /**
   * SIGKILL: {@link Process#destroyForcibly()} is {@code kill(pid, SIGKILL)} on Linux; the exit status proves it (no
   * shutdown hook, no flush, no goodbye to any server).
   */
  void kill() throws InterruptedException {
    Process p = process;
    p.destroyForcibly();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the bridge (pid " + p.pid() + ") survived SIGKILL");
    }
    if (p.exitValue() != KILLED_BY_SIGKILL) {
      throw new AssertionError("the bridge exited with " + p.exitValue() + ", not by SIGKILL (137)");
    }
    appendToLog("---- SIGKILL (pid " + p.pid() + ")\n");
  }

  /** Waits until the current run (since its start) logged a line containing {@code fragment}. */
  void awaitLog(String fragment, Duration timeout) {
    await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> currentRun().contains(fragment));
  }

  private String currentRun() throws IOException {
    String all = Files.readString(log, StandardCharsets.UTF_8);
    return all.substring(Math.max(0, all.lastIndexOf("---- start ")));
  }

  /** The running bridge's process id (the JVM's, as a launcher script {@code exec}s it). */
  public long pid() {
    return process.pid();
  }

  /** Starts the bridge again on the same port, config and database. */
  BridgeProcess restart() {
    return start();
  }

  /** How many lines of every run's log contain {@code fragment} (what a fault test reports about a path taken). */
  long logLinesContaining(String fragment) {
    try {
      return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains(fragment)).count();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The last 200 lines of every run's log, for assertion messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 200), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  private int startedLines() {
    try {
      if (!Files.exists(log)) {
        return 0;
      }
      return (int) Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains(STARTED)).count();
    } catch (IOException e) {
      return 0;
    }
  }

  private void appendToLog(String text) {
    try {
      Files.writeString(log, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // only a marker for readers of the log
    }
  }

  /** Stops the bridge as systemd would (SIGTERM, then SIGKILL after 20 s). */
  @Override
  public void close() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
