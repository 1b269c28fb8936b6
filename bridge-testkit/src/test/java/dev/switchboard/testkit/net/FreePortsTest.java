package dev.switchboard.testkit.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  void noPortIsHandedOutTwiceEvenWhenItIsStillFree() {
    // Prosody takes two TCP ports at once: checked free one after the other, both picks could be the same port.
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 2_000; i++) {
      int port = i % 3 == 0 ? FreePorts.tcp() : i % 3 == 1 ? FreePorts.udp() : FreePorts.udpAndTcp();
      assertThat(port).isBetween(10_000, 31_999);
      assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
    }
  }

  @Test
  void aBlockIsFreeAndNoneOfItsPortsIsHandedOutAgain() throws Exception {
    int first = FreePorts.udpBlock(4);
    for (int p = first; p < first + 4; p++) {
      try (java.net.DatagramSocket s = new java.net.DatagramSocket(p, java.net.InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(p);
      }
    }
    for (int i = 0; i < 3_000; i++) {
      int port = FreePorts.udp();
      assertThat(port < first || port > first + 3).as("port %d inside the block from %d", port, first).isTrue();
    }
  }
}
