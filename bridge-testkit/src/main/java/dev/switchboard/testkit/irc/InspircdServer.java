package dev.switchboard.testkit.irc;

import dev.switchboard.testkit.RealServers;
import java.io.IOException;
import java.net.InetSocketAddress;
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

/**
 * A throwaway InspIRCd 3 on 127.0.0.1, the second IRC implementation the tests run against and the one with
 * IRCv3 message tags ({@code message-tags}, {@code msgid}, {@code server-time}). Generated config on a free port,
 * run in the foreground; a missing InspIRCd skips locally and fails under CI, like {@link NgircdServer}.
 */
public final class InspircdServer implements IrcServer {
  private static final List<Path> CANDIDATES = List.of(Path.of("/usr/sbin/inspircd"), Path.of("/usr/bin/inspircd"),
      Path.of("/usr/local/sbin/inspircd"));

  private final Path dir;
  private final int port;
  private final String extraConfig;
  private Process process;

  private InspircdServer(Path dir, int port, String extraConfig) {
    this.dir = dir;
    this.port = port;
    this.extraConfig = extraConfig;
  }

  /** Starts InspIRCd on a free port and returns once it accepts connections. */
  public static InspircdServer start() throws IOException, InterruptedException {
    return start("");
  }

  /**
   * As {@link #start()}, with {@code extraConfig} (InspIRCd config tags: more modules, a server link) appended to
   * the generated config; {@link AnopeServices} uses it to link services.
   */
  public static InspircdServer start(String extraConfig) throws IOException, InterruptedException {
    Path binary = requireInstalled();
    Path dir = Files.createTempDirectory("inspircd-");
    InspircdServer server = new InspircdServer(dir, NgircdServer.freePort(), extraConfig);
    try {
      server.launch(binary);
    } catch (IOException | RuntimeException | InterruptedException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The InspIRCd binary, or skips (locally) / fails (CI) the calling test when it is not installed. */
  public static Path requireInstalled() {
    Path binary = CANDIDATES.stream().filter(Files::isExecutable).findFirst().orElse(null);
    RealServers.require("inspircd", binary != null, "apt-get install -y inspircd");
    return binary;
  }

  private void launch(Path binary) throws IOException, InterruptedException {
    Path motd = dir.resolve("motd");
    Files.writeString(motd, "test server\n");
    Path config = dir.resolve("inspircd.conf");
    Files.writeString(config, config(motd), StandardCharsets.UTF_8);
    // Tests and CI run as root, which InspIRCd refuses unless told otherwise.
    process = new ProcessBuilder(binary.toString(), "--nofork", "--runasroot", "--config=" + config)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("stdout.log").toFile())
        .start();
    awaitPort(Duration.ofSeconds(10));
  }

  private String config(Path motd) {
    // Hostname and ident lookups would make every registration wait; fake lag and the command rate limit would
    // throttle the bursts tests send; localmax/globalmax would cap puppets, which all come from 127.0.0.1.
    return """
        <server name="%s" description="Switchboard test server" network="Test">
        <admin name="test" nick="test" email="test@localhost">
        <bind address="127.0.0.1" port="%d" type="clients">
        <connect name="main" allow="*" timeout="60" threshold="1000" commandrate="1000000" fakelag="no"
                 pingfreq="120" hardsendq="1048576" softsendq="65536" recvq="65536" localmax="100000"
                 globalmax="100000" maxconnwarn="no" resolvehostnames="no" useident="no" limit="100000">
        <files motd="%s">
        <pid file="%s">
        <log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="%s">
        <limits maxnick="%d">
        <options prefixquit="Quit: ">
        <dns server="127.0.0.1" timeout="1">
        <module name="cap">
        <module name="ircv3">
        <module name="ircv3_msgid">
        <module name="ircv3_ctctags">
        <module name="ircv3_servertime">
        """.formatted(SERVER_NAME, port, motd, dir.resolve("inspircd.pid"), dir.resolve("inspircd.log"), NICK_LENGTH)
        + extraConfig;
  }

  private void awaitPort(Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("inspircd exited with " + process.exitValue() + ": " + log());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IOException("inspircd did not listen on port " + port + " within " + timeout + ": " + log());
  }

  @Override
  public String log() {
    try {
      return Files.readString(dir.resolve("stdout.log"))
          + (Files.exists(dir.resolve("inspircd.log")) ? Files.readString(dir.resolve("inspircd.log")) : "");
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

  /**
   * Kills the server at once (SIGKILL) instead of asking it to stop: InspIRCd 3 with {@code ssl_gnutls} crashes
   * (and dumps core) when it gets SIGTERM, so {@link AnopeServices} in TLS mode stops it this way.
   */
  public void kill() {
    if (process != null && process.isAlive()) {
      try {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
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
}
