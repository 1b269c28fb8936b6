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

  /**
   * The first of {@code count} consecutive ports, all free for UDP on loopback and all handed out: for a process that
   * binds a range from one number (SIPp's media: audio at the port, video two above it; rtpengine's RTP ports). A
   * range from {@link #udp()} alone once met a port of another test's range two above it.
   */
  public static int udpBlock(int count) {
    if (count < 1 || count > COUNT / 4) {
      throw new IllegalArgumentException("a block of 1 to " + COUNT / 4 + " ports, not " + count);
    }
    for (int i = 0; i < 200; i++) {
      int first = FIRST + ThreadLocalRandom.current().nextInt(COUNT - count + 1);
      int taken = 0;
      while (taken < count && HANDED_OUT.add(first + taken)) {
        taken++;
      }
      boolean free = taken == count;
      for (int p = first; free && p < first + count; p++) {
        free = free(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), true, false);
      }
      if (free) {
        return first;
      }
      for (int p = first; p < first + taken; p++) {
        HANDED_OUT.remove(p); // none of them was handed out; a port found busy may be free later
      }
    }
    throw new IllegalStateException("no " + count + " free consecutive ports below the ephemeral range");
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
