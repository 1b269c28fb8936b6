package dev.switchboard.testkit.sip;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks ports for servers the tests start, below the ephemeral range (32768+) so that no client socket takes one
 * between the check and the server's bind.
 */
public final class FreePorts {
  private FreePorts() {}

  /** A port free for UDP on loopback. */
  public static int udp() {
    return pick(false);
  }

  /** A port free for both UDP and TCP on loopback (SIP listens on both). */
  public static int udpAndTcp() {
    return pick(true);
  }

  private static int pick(boolean tcpToo) {
    for (int i = 0; i < 100; i++) {
      int p = 10_000 + ThreadLocalRandom.current().nextInt(10_000);
      InetSocketAddress a = new InetSocketAddress(InetAddress.getLoopbackAddress(), p);
      try (DatagramSocket u = new DatagramSocket(a)) {
        if (tcpToo) {
          try (ServerSocket t = new ServerSocket()) {
            t.bind(a);
          }
        }
        return p;
      } catch (IOException busy) {
        // try another
      }
    }
    throw new IllegalStateException("no free port below the ephemeral range");
  }
}
