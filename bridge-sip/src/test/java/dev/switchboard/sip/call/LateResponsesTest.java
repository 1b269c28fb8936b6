package dev.switchboard.sip.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.sip.SippScenario;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calling-phone scenarios stand what a UAS may rightly do (RFC 3261) and JAIN-SIP does under load: a late
 * {@code 100 Trying}, and copies of the first {@code 200 OK} until the ACK is processed. A scripted UAS sends
 * exactly those; without SIPp transactions the scenarios failed on them (the flaky PhoneToMatrixCallTest runs).
 */
class LateResponsesTest {
  @TempDir
  Path dir;

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(LateResponsesTest.class.getResource("/sipp/" + name).toURI());
  }

  @Test
  void aLate100AndRepeated200sDoNotConfuseThePhoneThatReInvites() throws Exception {
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      Thread uas = new Thread(() -> serve(socket), "late-responses-uas");
      uas.setDaemon(true);
      uas.start();
      try (SippScenario phone = SippScenario.call(scenario("uac-call-reinvite.xml"),
          "127.0.0.1:" + socket.getLocalPort(), dir, Duration.ofSeconds(30), List.of("-s", "+15550100"))) {
        assertThat(phone.awaitExit(Duration.ofSeconds(45))).as(() -> phone.messages() + phone.diagnostics())
            .isZero();
      }
    }
  }

  @Test
  void aLate100DuringThePauseDoesNotConfuseThePhoneThatHangsUp() throws Exception {
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      Thread uas = new Thread(() -> serve(socket), "late-responses-uas");
      uas.setDaemon(true);
      uas.start();
      try (SippScenario phone = SippScenario.call(scenario("uac-call-phone-hangs-up.xml"),
          "127.0.0.1:" + socket.getLocalPort(), dir, Duration.ofSeconds(30), List.of("-s", "+15550100"))) {
        assertThat(phone.awaitExit(Duration.ofSeconds(45))).as(() -> phone.messages() + phone.diagnostics())
            .isZero();
      }
    }
  }

  /**
   * Answers the INVITE (100, 180, 200), sends a late 100 after the ACK, repeats the first 200 before answering a
   * re-INVITE (a=recvonly) and before answering the BYE.
   */
  private static void serve(DatagramSocket socket) {
    byte[] buf = new byte[65_535];
    String trying = null;
    String firstOk = null;
    try {
      socket.setSoTimeout(40_000);
      while (true) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        String m = new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        String line = m.substring(0, m.indexOf("\r\n"));
        Map<String, String> h = headers(m);
        SocketAddress to = p.getSocketAddress();
        boolean first = h.getOrDefault("cseq", "").startsWith("1 ");
        if (line.startsWith("INVITE") && first) {
          if (firstOk != null) {
            continue; // a retransmission
          }
          trying = response(h, 100, "Trying", null, socket.getLocalPort());
          firstOk = response(h, 200, "OK", sdp("sendrecv"), socket.getLocalPort());
          send(socket, to, trying);
          send(socket, to, response(h, 180, "Ringing", null, socket.getLocalPort()));
          send(socket, to, firstOk);
        } else if (line.startsWith("ACK") && first) {
          send(socket, to, trying);
        } else if (line.startsWith("INVITE")) {
          send(socket, to, firstOk);
          send(socket, to, response(h, 200, "OK", sdp("recvonly"), socket.getLocalPort()));
        } else if (line.startsWith("BYE")) {
          send(socket, to, firstOk);
          send(socket, to, response(h, 200, "OK", null, socket.getLocalPort()));
          return;
        }
      }
    } catch (SocketTimeoutException e) {
      // the phone is gone
    } catch (Exception e) {
      if (!socket.isClosed()) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static Map<String, String> headers(String message) {
    Map<String, String> h = new LinkedHashMap<>();
    for (String l : message.split("\r\n")) {
      if (l.isEmpty()) {
        break;
      }
      int colon = l.indexOf(':');
      if (colon > 0 && !l.startsWith("SIP/2.0")) {
        h.putIfAbsent(l.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT), l.substring(colon + 1).strip());
      }
    }
    return h;
  }

  private static String sdp(String direction) {
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
        + "a=rtpmap:0 PCMU/8000\r\na=" + direction + "\r\n";
  }

  private static String response(Map<String, String> h, int code, String reason, String sdp, int port) {
    String to = h.get("to").contains(";tag=") ? h.get("to") : h.get("to") + ";tag=uas1";
    String body = sdp == null ? "" : sdp;
    return "SIP/2.0 " + code + " " + reason + "\r\nVia: " + h.get("via") + "\r\nFrom: " + h.get("from") + "\r\nTo: "
        + to + "\r\nCall-ID: " + h.get("call-id") + "\r\nCSeq: " + h.get("cseq") + "\r\nContact: <sip:uas@127.0.0.1:"
        + port + ">\r\n" + (sdp == null ? "" : "Content-Type: application/sdp\r\n") + "Content-Length: "
        + body.length() + "\r\n\r\n" + body;
  }

  private static void send(DatagramSocket socket, SocketAddress to, String message) throws java.io.IOException {
    byte[] b = message.getBytes(StandardCharsets.UTF_8);
    socket.send(new DatagramPacket(b, b.length, to));
  }
}
