package dev.switchboard.testkit.sip;

import dev.switchboard.testkit.RealServers;
import dev.switchboard.testkit.net.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A userspace rtpengine for tests: foreground, no kernel table ({@code --table=-1}), no config file, the {@code ng}
 * control port and a small RTP port range on loopback, logging to {@code rtpengine.log} in the given directory.
 */
public final class RtpEngineServer implements AutoCloseable {
  private static final String INSTALL_HINT = "apt-get install rtpengine-daemon";
  /** RTP ports per server: two per stream, four streams per call, a few calls at once. */
  private static final int PORTS = 64;

  private final Process process;
  private final InetSocketAddress ng;
  private final Path logFile;

  private RtpEngineServer(Process process, InetSocketAddress ng, Path logFile) {
    this.process = process;
    this.ng = ng;
    this.logFile = logFile;
  }

  public static boolean isInstalled() {
    return Executables.find("rtpengine").isPresent();
  }

  /** Starts one and waits until it answers {@code ping}; skips the test when rtpengine is missing (fails in CI). */
  public static RtpEngineServer start(Path dir) {
    return start(dir, PORTS);
  }

  /** As {@link #start(Path)}, with {@code ports} RTP ports (benchmarks holding hundreds of calls need thousands). */
  public static RtpEngineServer start(Path dir, int ports) {
    RealServers.require("rtpengine", isInstalled(), INSTALL_HINT);
    Path binary = Executables.find("rtpengine").orElseThrow();
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int ngPort = FreePorts.udp();
      // Below the ephemeral range (32768+) so that no client socket of another test holds one of them, and handed
      // out like every test port, so that no SIPp media port lands in the range.
      int block = FreePorts.udpBlock(ports + 1);
      int portMin = block + (block & 1); // RTP on even ports, RTCP on the odd one above
      Path log = dir.resolve("rtpengine-" + ngPort + ".log");
      List<String> command = List.of(binary.toString(),
          "--config-file=none", "--table=-1", "--foreground", "--log-stderr", "--log-level=6",
          "--interface=127.0.0.1", "--listen-ng=127.0.0.1:" + ngPort,
          "--port-min=" + portMin, "--port-max=" + (portMin + ports - 1),
          "--delete-delay=0");
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        InetSocketAddress ng = new InetSocketAddress(InetAddress.getLoopbackAddress(), ngPort);
        if (awaitPong(p, ng, Duration.ofSeconds(10))) {
          return new RtpEngineServer(p, ng, log);
        }
        p.destroyForcibly();
        last = new IOException("rtpengine did not answer ping; log: " + tail(log));
      } catch (IOException e) {
        last = e;
      }
    }
    throw new UncheckedIOException("rtpengine failed to start", last);
  }

  private static boolean awaitPong(Process p, InetSocketAddress ng, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] ping = "probe d7:command4:pinge".getBytes(StandardCharsets.US_ASCII);
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      s.setSoTimeout(200);
      while (System.nanoTime() < deadline && p.isAlive()) {
        s.send(new DatagramPacket(ping, ping.length, ng));
        byte[] buf = new byte[512];
        DatagramPacket reply = new DatagramPacket(buf, buf.length);
        try {
          s.receive(reply);
          if (new String(buf, 0, reply.getLength(), StandardCharsets.US_ASCII).contains("pong")) {
            return true;
          }
        } catch (SocketTimeoutException notYet) {
          // still starting
        }
      }
    }
    return false;
  }

  /** Where the {@code ng} protocol listens. */
  public InetSocketAddress ngAddress() {
    return ng;
  }

  public Path logFile() {
    return logFile;
  }

  /** The log so far, for assertion messages. */
  public String log() {
    try {
      return Files.readString(logFile);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
