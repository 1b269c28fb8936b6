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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway ejabberd for tests, the second XMPP server: generated {@code ejabberd.yml} in a temp dir, c2s and
 * component ports on loopback, a MUC service, one external component ({@code ejabberd_service}), plain auth without
 * TLS. Same domains as {@link ProsodyServer}. Stopped and deleted on close.
 *
 * <p>Debian's {@code ejabberdctl} switches to the {@code ejabberd} account when run as root, which cannot write our
 * temp dir; so the Erlang node is started directly (as {@code ejabberdctl foreground} would), and accounts are
 * created by an RPC from a second, short-lived node.
 */
public final class EjabberdServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EjabberdServer.class);

  public static final String HOST = ProsodyServer.HOST;
  public static final String MUC = ProsodyServer.MUC;
  public static final String COMPONENT = ProsodyServer.COMPONENT;

  private static final String INSTALL_HINT = "apt-get install ejabberd (Debian/Ubuntu)";
  private static final Path EJABBERD_LIBS = Path.of("/usr/lib/x86_64-linux-gnu");
  /** ejabberd creates its Mnesia tables on first start: about 20 s on a loaded 2-core machine. */
  private static final long START_TIMEOUT_MS = 120_000;

  private final Path dir;
  private final int c2sPort;
  private final int componentPort;
  private final String componentSecret;
  private final String node;
  private Process process;

  private EjabberdServer(Path dir, int c2sPort, int componentPort, String componentSecret) {
    this.dir = dir;
    this.c2sPort = c2sPort;
    this.componentPort = componentPort;
    this.componentSecret = componentSecret;
    this.node = "sbtest" + c2sPort + "@localhost";
  }

  /** True when ejabberd's Debian package and Erlang are installed. */
  public static boolean isInstalled() {
    return Files.isExecutable(Path.of("/usr/sbin/ejabberdctl")) && Files.isExecutable(Path.of("/usr/bin/erl"));
  }

  /** Starts an ejabberd of its own; skips the calling test when it is not installed (fails under CI). */
  public static EjabberdServer start() {
    RealServers.require("ejabberd", isInstalled(), INSTALL_HINT);
    Path dir;
    try {
      dir = Files.createTempDirectory("switchboard-ejabberd-");
      Files.createDirectories(dir.resolve("spool"));
      Files.createDirectories(dir.resolve("logs"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for ejabberd", e);
    }
    String secret = "secret-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    EjabberdServer server = new EjabberdServer(dir, FreePorts.tcp(), FreePorts.tcp(), secret);
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

  public String componentSecret() {
    return componentSecret;
  }

  /** Creates the account {@code user@localhost}. */
  public void createUser(String user, String password) {
    if (!user.matches("[a-z0-9]+") || !password.matches("[A-Za-z0-9-]+")) {
      throw new IllegalArgumentException("test accounts use plain names and passwords");
    }
    String call = "R = rpc:call('" + node + "', ejabberd_auth, try_register, [<<\"" + user + "\">>, <<\"" + HOST
        + "\">>, <<\"" + password + "\">>]), io:format(\"~p~n\", [R]), init:stop().";
    String out = run(List.of("erl", "-sname", "sbctl" + ThreadLocalRandom.current().nextInt(1_000_000) + "@localhost",
        "-noinput", "-eval", call));
    if (!out.contains("ok")) {
      throw new IllegalStateException("ejabberd did not register " + user + ": " + out);
    }
  }

  /** The server log so far, for failure messages. */
  public String logText() {
    return read(dir.resolve("logs").resolve("ejabberd.log"));
  }

  @Override
  public void close() {
    Process p = process;
    process = null;
    if (p != null) {
      p.destroy();
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      log.debug("could not delete {}: {}", dir, e.toString());
    }
  }

  private void writeConfig() {
    String text = """
        hosts:
          - "%1$s"
        loglevel: info
        log_rotate_count: 0
        certfiles: []
        listen:
          -
            port: %2$d
            ip: "127.0.0.1"
            module: ejabberd_c2s
            starttls_required: false
          -
            port: %3$d
            ip: "127.0.0.1"
            module: ejabberd_service
            hosts:
              "%4$s":
                password: "%5$s"
        auth_method: internal
        auth_password_format: plain
        acl:
          local:
            user_regexp: ""
        access_rules:
          local:
            allow: local
          c2s:
            allow: all
          muc_create:
            allow: all
        shaper_rules:
          c2s_shaper: none
        modules:
          mod_disco: {}
          mod_ping: {}
          mod_roster: {}
          mod_muc:
            host: "%6$s"
            access_create: muc_create
            default_room_options:
              persistent: true
              allow_change_subj: true
        """.formatted(HOST, c2sPort, componentPort, COMPONENT, componentSecret, MUC);
    try {
      Files.writeString(dir.resolve("ejabberd.yml"), text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the ejabberd config", e);
    }
  }

  private void startProcess() {
    long started = System.nanoTime();
    ProcessBuilder pb = new ProcessBuilder("erl", "-sname", node, "-noinput",
        "-mnesia", "dir", "\"" + dir.resolve("spool") + "\"", "-s", "ejabberd")
        .directory(dir.resolve("spool").toFile())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("stdout.txt").toFile());
    Map<String, String> env = pb.environment();
    env.put("ERL_LIBS", EJABBERD_LIBS.toString());
    env.put("EJABBERD_CONFIG_PATH", dir.resolve("ejabberd.yml").toString());
    env.put("EJABBERD_LOG_PATH", dir.resolve("logs").resolve("ejabberd.log").toString());
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run erl for ejabberd", e);
    }
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
    while (!(listening(c2sPort) && listening(componentPort))) {
      if (!process.isAlive() || System.currentTimeMillis() > deadline) {
        String why = process.isAlive() ? "did not listen within " + START_TIMEOUT_MS + " ms" : "exited";
        throw new IllegalStateException("ejabberd " + why + "; stdout: " + read(dir.resolve("stdout.txt"))
            + "\nlog: " + logText());
      }
      sleep(200);
    }
    log.info("ejabberd started on c2s 127.0.0.1:{}, component 127.0.0.1:{} in {} ms ({})", c2sPort, componentPort,
        (System.nanoTime() - started) / 1_000_000, dir);
  }

  private String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " timed out: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
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
