package dev.switchboard.app.check;

import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.check.SelfCheck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends one SIP {@code OPTIONS} to the trunk over the configured transport and reads the status line of the answer.
 * Any answer but a 5xx shows the trunk is there and speaks SIP (401/407 too: OPTIONS need no credentials to prove
 * that). Over UDP the request is repeated with RFC 3261's doubling interval until the timeout.
 */
public final class SipOptionsProbe implements SelfCheck {
  private final String host;
  private final int port;
  private final String transport;

  public SipOptionsProbe(String host, int port, String transport) {
    this.host = host;
    this.port = port;
    this.transport = transport;
  }

  @Override
  public String name() {
    return "SIP trunk " + host + ":" + port + " (" + transport + ")";
  }

  @Override
  public CheckResult run(Duration timeout) {
    String where = host + ":" + port;
    try {
      InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(host), port);
      String answer = transport.equalsIgnoreCase("tcp") ? overTcp(target, timeout) : overUdp(target, timeout);
      if (answer == null) {
        return CheckResult.failed("no answer to OPTIONS from " + where + " within " + timeout.toSeconds() + " s",
            "check sip.trunk.host, sip.trunk.port and sip.trunk.transport, and that the trunk accepts this host");
      }
      String statusLine = answer.lines().findFirst().orElse("");
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("SIP/2.0")) {
        return CheckResult.failed("the answer is not SIP: " + statusLine, "check sip.trunk.host and sip.trunk.port");
      }
      int code = Integer.parseInt(parts[1]);
      if (code >= 500) {
        return CheckResult.failed("the trunk answered " + statusLine.substring(8),
            "the trunk is reachable but not serving; see its log");
      }
      return CheckResult.ok("answered OPTIONS with " + statusLine.substring(8));
    } catch (PortUnreachableException e) {
      return CheckResult.failed("nothing listens on " + where + " (ICMP port unreachable)",
          "check sip.trunk.host and sip.trunk.port, and that the trunk runs");
    } catch (IOException | NumberFormatException e) {
      return e instanceof IOException io ? Probes.networkFailure(io, where, "sip.trunk.host and sip.trunk.port")
          : CheckResult.failed("the answer is not SIP", "check sip.trunk.host and sip.trunk.port");
    }
  }

  private String request(InetAddress local, int localPort, String transportName) {
    String rand = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE)
        + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    String self = local.getHostAddress().contains(":") ? "[" + local.getHostAddress() + "]" : local.getHostAddress();
    String uri = "sip:" + host + ":" + port;
    return "OPTIONS " + uri + " SIP/2.0\r\n"
        + "Via: SIP/2.0/" + transportName + " " + self + ":" + localPort + ";branch=z9hG4bK" + rand + ";rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:switchboard-check@" + self + ">;tag=" + rand.substring(0, 8) + "\r\n"
        + "To: <" + uri + ">\r\n"
        + "Call-ID: " + rand + "@switchboard-check\r\n"
        + "CSeq: 1 OPTIONS\r\n"
        + "Contact: <sip:switchboard-check@" + self + ":" + localPort + ">\r\n"
        + "Accept: application/sdp\r\n"
        + "User-Agent: Switchboard check\r\n"
        + "Content-Length: 0\r\n\r\n";
  }

  private String overUdp(InetSocketAddress target, Duration timeout) throws IOException {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.connect(target);
      byte[] request = request(socket.getLocalAddress(), socket.getLocalPort(), "UDP")
          .getBytes(StandardCharsets.UTF_8);
      long deadline = System.nanoTime() + timeout.toNanos();
      long interval = 500;
      byte[] buffer = new byte[8192];
      while (System.nanoTime() < deadline) {
        socket.send(new DatagramPacket(request, request.length));
        long wait = Math.min(interval, Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        socket.setSoTimeout((int) wait);
        try {
          DatagramPacket p = new DatagramPacket(buffer, buffer.length);
          socket.receive(p);
          String answer = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
          if (answer.startsWith("SIP/2.0 1")) {
            // Provisional: wait for the final answer.
            socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            socket.receive(p);
            answer = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
          }
          return answer;
        } catch (SocketTimeoutException again) {
          interval = Math.min(interval * 2, 4000);
        }
      }
      return null;
    }
  }

  private String overTcp(InetSocketAddress target, Duration timeout) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(target, (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      socket.getOutputStream().write(request(socket.getLocalAddress(), socket.getLocalPort(), "TCP")
          .getBytes(StandardCharsets.UTF_8));
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("SIP/2.0 ") && !line.startsWith("SIP/2.0 1")) {
          return line;
        }
      }
      return null;
    } catch (SocketTimeoutException e) {
      return null;
    }
  }
}
