package dev.switchboard.testkit.xmpp;

import dev.switchboard.testkit.RealServers;
import dev.switchboard.testkit.net.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway Prosody for tests: generated config in a temp dir, c2s and component ports on loopback, a MUC service,
 * one external component, plain-text auth without TLS. Stopped and deleted on close.
 *
 * <p>Domains: the virtual host {@value #HOST}, the MUC service {@value #MUC} and the component
 * {@value #COMPONENT}.
 */
public final class ProsodyServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProsodyServer.class);

  public static final String HOST = "localhost";
  public static final String MUC = "conference.localhost";
  public static final String COMPONENT = "matrix.localhost";

  private static final String INSTALL_HINT = "apt-get install prosody (Debian/Ubuntu)";
  private static final long START_TIMEOUT_MS = 15_000;

  private final Path dir;
  private final Path config;
  private final int c2sPort;
  private final int componentPort;
  private final String componentSecret;
  private final String logLevel;
  private final int archiveItemLimit;
  private Process process;

  private ProsodyServer(Path dir, int c2sPort, int componentPort, String componentSecret, String logLevel,
      int archiveItemLimit) {
    this.logLevel = logLevel;
    this.archiveItemLimit = archiveItemLimit;
    this.dir = dir;
    this.config = dir.resolve("prosody.cfg.lua");
    this.c2sPort = c2sPort;
    this.componentPort = componentPort;
    this.componentSecret = componentSecret;
  }

  /** True when the {@code prosody} and {@code prosodyctl} programs are on the PATH. */
  public static boolean isInstalled() {
    return onPath("prosody").isPresent() && onPath("prosodyctl").isPresent();
  }

  /**
   * Starts a Prosody of its own. Skips the calling test when Prosody is not installed, or fails it under CI (see
   * {@link RealServers#require}).
   */
  public static ProsodyServer start() {
    return start("debug");
  }

  /**
   * {@link #start()} with the log's lowest level ({@code debug}, {@code info}, {@code warn}): benchmarks use
   * {@code info}, since a debug line per stanza costs Prosody more than routing it.
   *
   * <p>Rate limits: this config loads no {@code mod_limits} (c2s and component streams are unthrottled) and Prosody
   * 0.12's MUC has no message rate limit of its own. What does throttle a busy MUC is its archive: see
   * {@link #start(String, int)}.
   */
  public static ProsodyServer start(String logLevel) {
    return start(logLevel, 0);
  }

  /**
   * {@link #start(String)} with {@code storage_archive_item_limit} set (0 keeps Prosody's default, 10,000 items per
   * archive). A MUC archive over its limit makes Prosody 0.12 truncate and rewrite the whole archive file for every
   * new message, which caps a MUC at a few dozen messages per second: load tests raise it above what they send.
   */
  public static ProsodyServer start(String logLevel, int archiveItemLimit) {
    if (!logLevel.matches("debug|info|warn|error")) {
      throw new IllegalArgumentException("Prosody log level must be debug, info, warn or error: " + logLevel);
    }
    RealServers.require("Prosody", isInstalled(), INSTALL_HINT);
    Path dir;
    try {
      dir = Files.createTempDirectory("switchboard-prosody-");
      Files.createDirectories(dir.resolve("data"));
      Files.createDirectories(dir.resolve("certs"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for Prosody", e);
    }
    String secret = "secret-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    ProsodyServer server = new ProsodyServer(dir, FreePorts.tcp(), FreePorts.tcp(), secret, logLevel,
        archiveItemLimit);
    try {
      server.writeConfig();
      server.startProcess();
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  public int c2sPort() {
    return c2sPort;
  }

  public int componentPort() {
    return componentPort;
  }

  /** The secret the component {@value #COMPONENT} authenticates with. */
  public String componentSecret() {
    return componentSecret;
  }

  /** Creates the account {@code user@localhost} (works while the server runs). */
  public void createUser(String user, String password) {
    run(List.of("prosodyctl", "--config", config.toString(), "register", user, HOST, password));
  }

  /**
   * Runs one admin-shell command in the running server ({@code prosodyctl shell}, mod_admin_shell), e.g.
   * {@code "> 1+1"} for Lua; returns what it printed.
   */
  public String shell(String command) {
    return run(List.of("prosodyctl", "--config", config.toString(), "shell", command));
  }

  /**
   * Makes the MUC forget an occupant without telling anyone (no presence is sent), as a MUC restart or a lost s2s
   * link would: the occupant's client still thinks it is in the room. {@code occupantJid} is {@code room@service/nick}.
   */
  public void forgetOccupant(String occupantJid) {
    int slash = occupantJid.indexOf('/');
    String room = occupantJid.substring(0, slash);
    String service = room.substring(room.indexOf('@') + 1);
    shell(("> local room = prosody.hosts[%s].modules.muc.get_room_from_jid(%s); "
        + "local o = room and room:get_occupant_by_nick(%s); "
        + "if not o then error('no such occupant') end; o.role = nil; room:save_occupant(o); return 'forgotten'")
        .formatted(luaString(service), luaString(room), luaString(occupantJid)));
  }

  private static String luaString(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** The server log so far, for failure messages. */
  public String logText() {
    try {
      Path file = dir.resolve("prosody.log");
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL) and starts it again with the same config, data and ports. */
  public void restart() {
    stop();
    startAgain();
  }

  /** Stops the server, keeping its config, data and ports for {@link #startAgain()}. */
  public void stop() {
    stopProcess();
  }

  /** Starts a stopped server again on the same ports. */
  public void startAgain() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("Prosody is already running");
    }
    startProcess();
  }

  private void writeConfig() {
    String d = dir.toString();
    // Sessions and CI run as root: Prosody refuses root unless told, and prosodyctl would switch to the
    // 'prosody' account, which cannot write our temp dir.
    String text = """
        run_as_root = true
        prosody_user = "root"
        pidfile = "%1$s/prosody.pid"
        data_path = "%1$s/data"
        certificates = "%1$s/certs"
        log = { { levels = { min = "%8$s" }, to = "file", filename = "%1$s/prosody.log" } }
        modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "posix"; "admin_shell" }
        modules_disabled = { "s2s" }
        interfaces = { "127.0.0.1" }
        c2s_ports = { %2$d }
        component_ports = { %3$d }
        component_interfaces = { "127.0.0.1" }
        s2s_ports = { }
        c2s_require_encryption = false
        s2s_require_encryption = false
        allow_unencrypted_plain_auth = true
        authentication = "internal_plain"
        %9$s
        VirtualHost "%4$s"
        Component "%5$s" "muc"
          modules_enabled = { "muc_mam" }
          restrict_room_creation = false
          -- Rooms outlive a restart (tests restart Prosody), and participants may set the subject, as in many
          -- public deployments; tests that need the stricter defaults configure the room.
          muc_room_default_persistent = true
          muc_room_default_change_subject = true
        Component "%6$s"
          component_secret = "%7$s"
        """.formatted(d, c2sPort, componentPort, HOST, MUC, COMPONENT, componentSecret, logLevel,
        archiveItemLimit > 0 ? "storage_archive_item_limit = " + archiveItemLimit : "");
    try {
      Files.writeString(config, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + config, e);
    }
  }

  private void startProcess() {
    long started = System.nanoTime();
    try {
      process = new ProcessBuilder("prosody", "--config", config.toString(), "-F")
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("stdout.txt").toFile())
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run prosody", e);
    }
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
    while (!(listening(c2sPort) && listening(componentPort))) {
      if (!process.isAlive() || System.currentTimeMillis() > deadline) {
        String why = process.isAlive() ? "did not listen within " + START_TIMEOUT_MS + " ms" : "exited";
        stopProcess();
        throw new IllegalStateException("Prosody " + why + "; stdout: " + read(dir.resolve("stdout.txt"))
            + "\nlog: " + logText());
      }
      sleep(50);
    }
    log.info("Prosody started on c2s 127.0.0.1:{}, component 127.0.0.1:{} in {} ms ({})", c2sPort, componentPort,
        (System.nanoTime() - started) / 1_000_000, dir);
  }

  private void stopProcess() {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The ports stay reserved for us: wait until nothing listens, so a restart can bind them again.
    long deadline = System.currentTimeMillis() + 5_000;
    while ((listening(c2sPort) || listening(componentPort)) && System.currentTimeMillis() < deadline) {
      sleep(50);
    }
  }

  @Override
  public void close() {
    stopProcess();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      log.debug("could not delete {}: {}", dir, e.toString());
    }
  }

  private String run(List<String> command) {
    List<String> cmd = new ArrayList<>(command);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + cmd.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A free port below the ephemeral range, so an outgoing connection never takes it between probe and bind. */

  private static Optional<Path> onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String entry : path.split(":")) {
      Path candidate = Path.of(entry, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
