package dev.switchboard.testkit.irc;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import dev.switchboard.testkit.RealServers;

/**
 * A throwaway ngircd on 127.0.0.1 for integration tests: a generated config on a free port, run in the foreground
 * ({@code -n}), stopped and deleted on {@link #close()}. A missing ngircd skips the test locally and fails it under
 * CI ({@code CI=true} or {@code -Dswitchboard.requireServers=true}).
 */
public final class NgircdServer implements IrcServer {
  private static final List<Path> CANDIDATES = List.of(Path.of("/usr/sbin/ngircd"), Path.of("/usr/bin/ngircd"),
      Path.of("/usr/local/sbin/ngircd"));


  private final Path dir;
  private final int port;
  private final boolean ident;
  private Process process;

  private NgircdServer(Path dir, int port, boolean ident) {
    this.dir = dir;
    this.port = port;
    this.ident = ident;
  }

  /** Starts ngircd on a free port and returns once it accepts connections. */
  public static NgircdServer start() throws IOException, InterruptedException {
    return start(false);
  }

  /**
   * As {@link #start()}, but ngircd asks every new client's identd (RFC 1413, always port 113 on the client's
   * address, here 127.0.0.1) for its user name, and shows a user name without {@code ~} when one answers. DNS
   * lookups are on too (ngircd queries identd only along with them), so clients' hosts read {@code localhost}.
   */
  public static NgircdServer startWithIdent() throws IOException, InterruptedException {
    return start(true);
  }

  private static NgircdServer start(boolean ident) throws IOException, InterruptedException {
    Path binary = requireInstalled();
    Path dir = Files.createTempDirectory("ngircd-");
    NgircdServer server = new NgircdServer(dir, freePort(), ident);
    try {
      server.launch(binary);
    } catch (IOException | RuntimeException | InterruptedException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The ngircd binary, or skips (locally) / fails (CI) the calling test when it is not installed. */
  public static Path requireInstalled() {
    Path binary = CANDIDATES.stream().filter(Files::isExecutable).findFirst().orElse(null);
    RealServers.require("ngircd", binary != null, "apt-get install -y ngircd");
    return binary;
  }

  private void launch(Path binary) throws IOException, InterruptedException {
    Path motd = dir.resolve("motd");
    Files.writeString(motd, "test server\n");
    Path config = dir.resolve("ngircd.conf");
    Files.writeString(config, config(motd), StandardCharsets.UTF_8);
    process = new ProcessBuilder(binary.toString(), "-n", "-f", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("ngircd.log").toFile())
        .start();
    awaitPort(Duration.ofSeconds(10));
  }

  private String config(Path motd) {
    // PAM and ident would make every registration wait on lookups; penalties (MaxPenaltyTime) would throttle the
    // bursts tests send; MaxConnectionsIP would cap puppets, which all come from 127.0.0.1.
    return """
        [Global]
        Name = %s
        Info = Switchboard test server
        Listen = 127.0.0.1
        Ports = %d
        MotdFile = %s
        PidFile = %s
        [Limits]
        MaxConnections = 0
        MaxConnectionsIP = 0
        MaxJoins = 0
        MaxNickLength = %d
        MaxPenaltyTime = 0
        PingTimeout = 120
        PongTimeout = 20
        ConnectRetry = 60
        [Options]
        PAM = no
        Ident = %s
        DNS = %s
        RequireAuthPing = no
        """.formatted(SERVER_NAME, port, motd, dir.resolve("ngircd.pid"), NICK_LENGTH, ident ? "yes" : "no",
        // ngircd 26 asks identd only from its resolver process, which runs only with DNS on (127.0.0.1 resolves
        // to localhost from /etc/hosts, so this costs no network lookup).
        ident ? "yes" : "no");
  }

  private void awaitPort(Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("ngircd exited with " + process.exitValue() + ": " + log());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IOException("ngircd did not listen on port " + port + " within " + timeout + ": " + log());
  }

  @Override
  public String log() {
    try {
      return Files.readString(dir.resolve("ngircd.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public String host() {
    return "127.0.0.1";
  }

  @Override
  public int port() {
    return port;
  }

  /** Stops the server (every client is disconnected) until {@link #startAgain()}; the port stays reserved for it. */
  public void stop() throws InterruptedException {
    stopProcess();
  }

  /** Starts a server stopped by {@link #stop()} again on the same port, with an empty state. */
  public void startAgain() throws IOException, InterruptedException {
    launch(requireInstalled());
  }

  @Override
  public void restart() throws IOException, InterruptedException {
    stopProcess();
    launch(requireInstalled());
  }

  private void stopProcess() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  @Override
  public void close() {
    try {
      stopProcess();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temp dir is harmless
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
