package dev.switchboard.app.check;

import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.check.SelfCheck;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** rtpengine's ng {@code ping} (bencode over UDP: a cookie, then {@code d7:command4:pinge}); the answer is pong. */
public final class RtpEngineProbe implements SelfCheck {
  private final InetSocketAddress ng;
  private final Duration perAttempt;
  private final int attempts;

  public RtpEngineProbe(InetSocketAddress ng, Duration perAttempt, int attempts) {
    // The config keeps the address unresolved (DNS at use, not at parse time).
    this.ng = ng.isUnresolved() ? new InetSocketAddress(ng.getHostString(), ng.getPort()) : ng;
    this.perAttempt = perAttempt;
    this.attempts = attempts;
  }

  @Override
  public String name() {
    return "rtpengine " + ng.getHostString() + ":" + ng.getPort() + " (ng ping)";
  }

  @Override
  public CheckResult run(Duration timeout) {
    String cookie = "sbcheck" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    byte[] request = (cookie + " d7:command4:pinge").getBytes(StandardCharsets.US_ASCII);
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.connect(ng);
      long deadline = System.nanoTime() + timeout.toNanos();
      byte[] buffer = new byte[2048];
      for (int i = 0; i < Math.max(1, attempts) && System.nanoTime() < deadline; i++) {
        socket.send(new DatagramPacket(request, request.length));
        socket.setSoTimeout((int) Math.max(1, Math.min(perAttempt.toMillis(),
            (deadline - System.nanoTime()) / 1_000_000)));
        try {
          DatagramPacket p = new DatagramPacket(buffer, buffer.length);
          socket.receive(p);
          String answer = new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
          if (!answer.startsWith(cookie + " ")) {
            continue;
          }
          if (answer.contains("6:result4:pong")) {
            return CheckResult.ok("answered pong");
          }
          return CheckResult.failed("unexpected answer: " + answer.substring(cookie.length() + 1),
              "check sip.rtpengine.ng_address: it must be rtpengine's listen-ng address");
        } catch (SocketTimeoutException again) {
          // Next attempt.
        }
      }
      return CheckResult.failed("no answer to ping from " + ng.getHostString() + ":" + ng.getPort(),
          "check sip.rtpengine.ng_address against rtpengine's listen-ng, and that rtpengine runs");
    } catch (PortUnreachableException e) {
      return CheckResult.failed("nothing listens on " + ng.getHostString() + ":" + ng.getPort(),
          "check sip.rtpengine.ng_address against rtpengine's listen-ng, and that rtpengine runs");
    } catch (IOException e) {
      return Probes.networkFailure(e, ng.getHostString() + ":" + ng.getPort(), "sip.rtpengine.ng_address");
    }
  }
}
