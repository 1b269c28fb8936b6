package dev.switchboard.testkit.irc;

import dev.switchboard.testkit.net.PausableProxy;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NgircdServerTest {

  @Test
  void twoUsersInAChannelSeeEachOthersMessages() throws Exception {
    try (NgircdServer server = NgircdServer.start();
        IrcTestUser alice = IrcTestUser.connect(server, "alice");
        IrcTestUser bob = IrcTestUser.connect(server, "bob")) {
      alice.join("#room");
      bob.join("#room");

      alice.say("#room", "hi bob");

      bob.awaitMessage("alice", "#room", "hi bob", Duration.ofSeconds(5));
      assertThat(bob.messagesTo("#room")).containsExactly("alice: hi bob");
    }
  }

  @Test
  void theServerAnnouncesTheConfiguredNickLength() throws Exception {
    try (NgircdServer server = NgircdServer.start();
        IrcTestUser alice = IrcTestUser.connect(server, "alice")) {
      String isupport = alice.awaitLine(l -> IrcTestUser.command(l).equals("005") && l.contains("NICKLEN="),
          Duration.ofSeconds(5));
      assertThat(isupport).contains("NICKLEN=" + NgircdServer.NICK_LENGTH);
    }
  }

  @Test
  void aPausedProxyHoldsTheConnectionUntilResumed() throws Exception {
    try (NgircdServer server = NgircdServer.start();
        PausableProxy proxy = PausableProxy.pausedInFrontOf(server.host(), server.port());
        java.net.Socket socket = new java.net.Socket(proxy.host(), proxy.port())) {
      socket.getOutputStream().write("NICK carol\r\nUSER carol 0 * :c\r\n".getBytes());
      socket.setSoTimeout(1000);
      byte[] buf = new byte[512];
      assertThat(readOrTimeout(socket, buf)).isEqualTo(-2);

      proxy.resume();
      socket.setSoTimeout(5000);

      assertThat(readOrTimeout(socket, buf)).isPositive();
    }
  }

  private static int readOrTimeout(java.net.Socket socket, byte[] buf) throws java.io.IOException {
    try {
      return socket.getInputStream().read(buf);
    } catch (java.net.SocketTimeoutException e) {
      return -2;
    }
  }
}
