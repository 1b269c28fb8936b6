package dev.switchboard.testkit.sip;

import dev.switchboard.testkit.RealServers;
import dev.switchboard.testkit.net.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One SIPp run of an XML scenario on loopback (Debian {@code sip-tester}): a phone for the bridge to call, or a
 * phone that calls the bridge. SIPp exits 0 when every call went as the scenario says; the messages it exchanged
 * are in {@link #messages()}.
 */
public final class SippScenario implements AutoCloseable {
  private static final String INSTALL_HINT = "apt-get install sip-tester";

  private final Process process;
  private final int port;
  private final Path messageLog;
  private final Path errorLog;
  private final Path screen;

  private SippScenario(Process process, int port, Path messageLog, Path errorLog, Path screen) {
    this.process = process;
    this.port = port;
    this.messageLog = messageLog;
    this.errorLog = errorLog;
    this.screen = screen;
  }

  public static boolean isInstalled() {
    return Executables.find("sipp").isPresent();
  }

  /**
   * Starts SIPp as a server (it waits for one call) with {@code scenario}, listening on a free loopback port for
   * UDP; skips the test when SIPp is missing (fails in CI).
   */
  public static SippScenario serve(Path scenario, Path dir, Duration timeout) {
    return run(scenario, dir, timeout, 1, List.of());
  }

  /** Starts SIPp as a server that handles {@code calls} calls (at once, or one after another), then exits. */
  public static SippScenario serve(Path scenario, Path dir, Duration timeout, int calls, List<String> extra) {
    return run(scenario, dir, timeout, calls, extra);
  }

  /**
   * Starts SIPp as a server on {@code port} (which the caller reserved, e.g. a trunk address the bridge already
   * uses), handling {@code calls} calls; {@code extra} may pick the transport ({@code -t t1} for TCP).
   */
  public static SippScenario serveOn(int port, Path scenario, Path dir, Duration timeout, int calls,
      List<String> extra) {
    return run(scenario, dir, timeout, calls, extra, port);
  }

  /** Starts SIPp as a client placing one call to {@code target} ({@code host:port}). */
  public static SippScenario call(Path scenario, String target, Path dir, Duration timeout, List<String> extra) {
    return call(scenario, target, dir, timeout, 1, extra);
  }

  /** Starts SIPp as a client placing {@code calls} calls to {@code target}; rate and parallelism via {@code extra}. */
  public static SippScenario call(Path scenario, String target, Path dir, Duration timeout, int calls,
      List<String> extra) {
    List<String> args = new ArrayList<>();
    args.add(target);
    args.addAll(extra);
    return run(scenario, dir, timeout, calls, args);
  }

  private static SippScenario run(Path scenario, Path dir, Duration timeout, int calls, List<String> extra) {
    return run(scenario, dir, timeout, calls, extra, FreePorts.udpAndTcp());
  }

  private static SippScenario run(Path scenario, Path dir, Duration timeout, int calls, List<String> extra,
      int port) {
    RealServers.require("SIPp", isInstalled(), INSTALL_HINT);
    int mediaPort = FreePorts.udpBlock(4); // SIPp binds audio RTP here and video RTP two above, each with RTCP
    Path messages = dir.resolve("sipp-" + port + "-messages.log");
    Path errors = dir.resolve("sipp-" + port + "-errors.log");
    Path screen = dir.resolve("sipp-" + port + "-screen.log");
    List<String> command = new ArrayList<>(List.of(Executables.find("sipp").orElseThrow().toString(),
        "-sf", scenario.toString(), "-i", "127.0.0.1", "-p", Integer.toString(port),
        "-mi", "127.0.0.1", "-mp", Integer.toString(mediaPort), "-m", Integer.toString(calls), "-nostdin",
        "-trace_msg", "-message_file", messages.toString(), "-trace_err", "-error_file", errors.toString(),
        "-timeout", timeout.toSeconds() + "s", "-timeout_error"));
    command.addAll(extra);
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(screen.toFile()).start();
      SippScenario s = new SippScenario(p, port, messages, errors, screen);
      s.awaitListening();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("SIPp did not start", e);
    }
  }

  /**
   * SIPp binds before it reads the scenario's first message; wait for that so a quick INVITE is not lost. Looks at
   * the kernel's socket table rather than probing the port, which would race SIPp for it.
   */
  private void awaitListening() {
    String hexPort = String.format(":%04X ", port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        if (Files.readString(Path.of("/proc/net/udp")).contains(hexPort)
            || Files.readString(Path.of("/proc/net/tcp")).contains(hexPort)) {
          return;
        }
      } catch (IOException e) {
        sleep(300); // not Linux: give it a moment
        return;
      }
      sleep(20);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The SIP port SIPp listens on (UDP, loopback). */
  public int port() {
    return port;
  }

  /** Waits for SIPp to finish; its exit code (0: every call as scenario'd, 1: some failed), or -1 on timeout. */
  public int awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Every SIP message SIPp sent and received so far, as its trace has them. */
  public String messages() {
    return read(messageLog);
  }

  /** SIPp's errors and screen, for assertion messages. */
  public String diagnostics() {
    return "--- errors\n" + read(errorLog) + "\n--- screen (tail)\n" + tail(read(screen), 40);
  }

  private static String tail(String s, int lines) {
    String[] all = s.split("\n");
    return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
