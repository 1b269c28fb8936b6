package dev.switchboard.testkit.net;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks ports for servers the tests start, below the ephemeral range (32768+) so that no client socket takes one
 * between the check and the server's bind. A port is handed out once per JVM: two picks for one server (Prosody's
 * c2s and component ports) or for two servers started back to back never get the same free port, which a check that
 * binds and lets go cannot tell apart.
 */
public final class FreePorts {
  private static final int FIRST = 10_000;
  private static final int COUNT = 22_000;
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port free for TCP on loopback. */
  public static int tcp() {
    return pick(false, true);
  }

  /** A port free for UDP on loopback. */
  public static int udp() {
    return pick(true, false);
  }

  /** A port free for both UDP and TCP on loopback (SIP listens on both). */
  public static int udpAndTcp() {
    return pick(true, true);
  }

  private static int pick(boolean udp, boolean tcp) {
    for (int i = 0; i < 200; i++) {
      int p = FIRST + ThreadLocalRandom.current().nextInt(COUNT);
      if (!HANDED_OUT.add(p)) {
        continue;
      }
      if (free(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), udp, tcp)) {
        return p;
      }
    }
    throw new IllegalStateException("no free port below the ephemeral range");
  }

  private static boolean free(InetSocketAddress a, boolean udp, boolean tcp) {
    if (udp) {
      try (DatagramSocket u = new DatagramSocket(a)) {
        return !tcp || freeTcp(a);
      } catch (IOException busy) {
        return false;
      }
    }
    return freeTcp(a);
  }

  private static boolean freeTcp(InetSocketAddress a) {
    try (ServerSocket t = new ServerSocket()) {
      t.bind(a);
      return true;
    } catch (IOException busy) {
      return false;
    }
  }
}
