package dev.switchboard.testkit.postgres;

import dev.switchboard.testkit.RealServers;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway PostgreSQL server for tests: {@code initdb} into a temp dir, started on a free loopback port, deleted
 * on close.
 *
 * <p>Most tests use {@link #shared()}: one server per JVM, started on first use and stopped by a shutdown hook, with
 * a fresh database per test class from {@link #createDatabase()}.
 */
public final class PostgresServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);

  /** The superuser initdb creates; authentication is {@code trust}, so there is no password. */
  public static final String USER = "switchboard";

  /** Overrides where the PostgreSQL programs are, e.g. {@code /usr/lib/postgresql/16/bin}. */
  public static final String BIN_PROPERTY = "switchboard.postgresBin";

  private static final String INSTALL_HINT =
      "apt-get install postgresql (Debian/Ubuntu), or point -D" + BIN_PROPERTY + " at the directory holding initdb";

  /** PostgreSQL refuses to run as root; sessions and CI run as root, so the server runs as this account then. */
  private static final String RUN_AS_WHEN_ROOT = "postgres";

  private static final long COMMAND_TIMEOUT_SECONDS = 120;
  private static final int START_ATTEMPTS = 3;

  private static PostgresServer shared;
  private static IllegalStateException sharedFailure;

  private final Path binDir;
  private final Path baseDir;
  private final Path dataDir;
  private final boolean asPostgresUser;
  private final int port;
  private final AtomicInteger databaseCounter = new AtomicInteger();
  private boolean closed;

  private final boolean durable;
  private List<String> settings = List.of();

  private PostgresServer(Path binDir, Path baseDir, boolean asPostgresUser, int port, boolean durable) {
    this.durable = durable;
    this.binDir = binDir;
    this.baseDir = baseDir;
    this.dataDir = baseDir.resolve("data");
    this.asPostgresUser = asPostgresUser;
    this.port = port;
  }

  /**
   * The JVM's shared server, started on first call and stopped at exit. Skips the calling test when PostgreSQL is
   * not installed, or fails it under CI (see {@link RealServers#require}).
   */
  public static synchronized PostgresServer shared() {
    RealServers.require("PostgreSQL", isInstalled(), INSTALL_HINT);
    if (sharedFailure != null) {
      // Each test class asks; a server that did not start once will not start now, so do not pay for it again.
      throw new IllegalStateException("PostgreSQL failed to start earlier in this JVM", sharedFailure);
    }
    if (shared == null) {
      try {
        shared = start();
      } catch (IllegalStateException e) {
        sharedFailure = e;
        throw e;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "postgres-server-stop"));
    }
    return shared;
  }

  /** True when {@code initdb}, {@code pg_ctl} and {@code createdb} can be found. */
  public static boolean isInstalled() {
    return findBinDir().isPresent();
  }

  /**
   * Starts a server of its own that the caller must close; prefer {@link #shared()}.
   *
   * @throws IllegalStateException when PostgreSQL is not installed or does not start (the message holds its log)
   */
  public static PostgresServer start() {
    return start(false);
  }

  /**
   * Starts a server of its own with fsync on, as production runs it: for benchmarks, where skipping the flush
   * would flatter the numbers.
   */
  public static PostgresServer startDurable() {
    return start(true, List.of());
  }

  /**
   * {@link #startDurable()} with extra server settings ({@code name=value}, as {@code postgres -c} takes them), e.g.
   * the tuning docs/operations.md recommends, for benchmarks that compare it with the defaults.
   */
  public static PostgresServer startDurable(List<String> settings) {
    for (String s : settings) {
      if (!s.matches("[a-z_.]+=[A-Za-z0-9_.]+")) {
        throw new IllegalArgumentException("not a name=value server setting: " + s);
      }
    }
    return start(true, List.copyOf(settings));
  }

  private static PostgresServer start(boolean durable) {
    return start(durable, List.of());
  }

  private static PostgresServer start(boolean durable, List<String> settings) {
    Path binDir = findBinDir()
        .orElseThrow(() -> new IllegalStateException("PostgreSQL not found; " + INSTALL_HINT));
    boolean asPostgresUser = runningAsRoot();
    Path baseDir;
    try {
      baseDir = Files.createTempDirectory("switchboard-pg-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for PostgreSQL", e);
    }
    long started = System.nanoTime();
    try {
      if (asPostgresUser) {
        Files.setOwner(baseDir, postgresAccount());
      }
      initdb(binDir, baseDir, asPostgresUser);
      IllegalStateException lastFailure = null;
      for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        // The free port can be taken between probing and binding; another port on the next try fixes that.
        PostgresServer candidate = new PostgresServer(binDir, baseDir, asPostgresUser, freePort(), durable);
        candidate.settings = settings;
        try {
          candidate.startServer();
          candidate.createDatabase(USER);
          log.info("PostgreSQL from {} started on 127.0.0.1:{} in {} ms ({})", binDir, candidate.port,
              (System.nanoTime() - started) / 1_000_000, baseDir);
          return candidate;
        } catch (IllegalStateException e) {
          candidate.stop();
          lastFailure = e;
          log.warn("PostgreSQL did not start on port {} (attempt {}/{})", candidate.port, attempt, START_ATTEMPTS);
        }
      }
      throw lastFailure;
    } catch (IOException e) {
      deleteRecursively(baseDir);
      throw new UncheckedIOException("cannot hand " + baseDir + " to the " + RUN_AS_WHEN_ROOT + " user", e);
    } catch (RuntimeException e) {
      deleteRecursively(baseDir);
      throw e;
    }
  }

  /** The JDBC URL of the database created at start, named {@value #USER}. */
  public String jdbcUrl() {
    return jdbcUrl(USER);
  }

  /** The user to connect as; no password is needed. */
  public String user() {
    return USER;
  }

  public int port() {
    return port;
  }

  /** Where the data directory, socket and logs live; deleted on close. */
  Path directory() {
    return baseDir;
  }

  /** Creates a new empty database and returns its JDBC URL, so each test class starts from a clean schema. */
  public String createDatabase() {
    String name = "test_" + databaseCounter.incrementAndGet();
    createDatabase(name);
    return jdbcUrl(name);
  }

  private String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  private void createDatabase(String name) {
    // createdb is a client: it needs no particular OS user, and trust authentication lets it in as USER.
    run(false, List.of(binDir.resolve("createdb").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
        "-U", USER, name));
  }

  private static void initdb(Path binDir, Path baseDir, boolean asPostgresUser) {
    run(baseDir, asPostgresUser, List.of(binDir.resolve("initdb").toString(),
        "-D", baseDir.resolve("data").toString(),
        "-U", USER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        // A throwaway server needs no durability; skipping fsync saves most of initdb's time.
        "--no-sync"));
  }

  private void startServer() {
    String options = String.join(" ",
        "-p", Integer.toString(port),
        "-c", "listen_addresses=127.0.0.1",
        // The socket lives in our own directory: the default /var/run/postgresql may not exist or be writable.
        "-k", baseDir.toString(),
        "-c", "max_connections=300",
        durable ? "-c fsync=on" : "-F",
        settings.stream().map(x -> "-c " + x).collect(java.util.stream.Collectors.joining(" ")));
    run(asPostgresUser, List.of(binDir.resolve("pg_ctl").toString(),
        "-D", dataDir.toString(),
        "-l", baseDir.resolve("server.log").toString(),
        "-o", options,
        "-w", "-t", "60",
        "start"));
  }

  /** Stops the server and deletes its files. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop();
    deleteRecursively(baseDir);
  }

  private void stop() {
    if (!Files.exists(dataDir.resolve("postmaster.pid"))) {
      return;
    }
    try {
      // Immediate: nothing in a throwaway database is worth a clean checkpoint.
      run(asPostgresUser, List.of(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "immediate",
          "-w", "stop"));
    } catch (RuntimeException e) {
      log.warn("Could not stop PostgreSQL in {}", baseDir, e);
    }
  }

  @Override
  public String toString() {
    return "PostgresServer[127.0.0.1:" + port + ", " + baseDir + "]";
  }

  private void run(boolean asPostgres, List<String> command) {
    run(baseDir, asPostgres, command);
  }

  private static void run(Path baseDir, boolean asPostgres, List<String> command) {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", RUN_AS_WHEN_ROOT, "--"));
    }
    full.addAll(command);
    // Output goes to a file, not a pipe: pg_ctl leaves a server running that must not hold our pipe open.
    Path output = baseDir.resolve("command.out");
    try {
      Process process = new ProcessBuilder(full)
          .redirectErrorStream(true)
          .redirectOutput(output.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(failure(full, "did not finish in " + COMMAND_TIMEOUT_SECONDS + " s", baseDir, output));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(failure(full, "exited with " + process.exitValue(), baseDir, output));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + full + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + full, e);
    }
  }

  private static String failure(List<String> command, String what, Path baseDir, Path output) {
    StringBuilder message = new StringBuilder(String.join(" ", command)).append(' ').append(what);
    appendTail(message, "output", output);
    appendTail(message, "server log", baseDir.resolve("server.log"));
    return message.toString();
  }

  private static void appendTail(StringBuilder message, String label, Path file) {
    try {
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> tail = lines.subList(Math.max(0, lines.size() - 20), lines.size());
        message.append("\n--- ").append(label).append(" ---\n").append(String.join("\n", tail));
      }
    } catch (IOException | UncheckedIOException e) {
      message.append("\n(").append(label).append(" unreadable: ").append(e.getMessage()).append(')');
    }
  }

  /** The directory holding the programs: the override property, then PATH, then the newest Debian install. */
  static Optional<Path> findBinDir() {
    String override = System.getProperty(BIN_PROPERTY);
    if (override != null && !override.isBlank()) {
      return Optional.of(Path.of(override)).filter(PostgresServer::hasPrograms);
    }
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    for (String entry : path.split(File.pathSeparator)) {
      // Debian puts only client wrappers on PATH, so this finds initdb mainly on other systems.
      if (!entry.isEmpty() && hasPrograms(Path.of(entry))) {
        return Optional.of(Path.of(entry));
      }
    }
    Path debian = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(debian)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(debian)) {
      return versions
          .filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
          .max(Comparator.comparingDouble(v -> Double.parseDouble(v.getFileName().toString())))
          .map(v -> v.resolve("bin"))
          .filter(PostgresServer::hasPrograms);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static boolean hasPrograms(Path dir) {
    return Stream.of("initdb", "pg_ctl", "createdb").allMatch(p -> Files.isExecutable(dir.resolve(p)));
  }

  private static boolean runningAsRoot() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static UserPrincipal postgresAccount() throws IOException {
    try {
      return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(RUN_AS_WHEN_ROOT);
    } catch (IOException e) {
      throw new IllegalStateException("Tests run as root and PostgreSQL refuses to run as root, but there is no '"
          + RUN_AS_WHEN_ROOT + "' user to run it as; install the postgresql package (it creates the user) or run"
          + " the tests as a normal user", e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on the loopback interface", e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      log.warn("Could not delete {}", dir, e);
    }
  }
}
