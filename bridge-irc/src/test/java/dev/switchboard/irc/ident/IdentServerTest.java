package dev.switchboard.irc.ident;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.membership.NetsplitConfig;
import dev.switchboard.irc.network.Backoff;
import dev.switchboard.irc.network.ConnectionRole;
import dev.switchboard.irc.network.IrcConnection;
import dev.switchboard.irc.network.NetworkConfig;
import dev.switchboard.irc.network.OutgoingConnections;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class IdentServerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private IdentServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private IdentServer.Owners oneSocket() {
    return (local, remote, address) -> local == 5000 && remote == 6667 && address.equals(LOOPBACK)
        ? Optional.of("alice") : Optional.empty();
  }

  private static final class RawClient implements AutoCloseable {
    final Socket socket;
    final BufferedReader in;
    final OutputStream out;

    RawClient(InetSocketAddress at) throws Exception {
      socket = new Socket(LOOPBACK, at.getPort());
      socket.setSoTimeout(20_000);
      in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      out = socket.getOutputStream();
    }

    String ask(String line) throws Exception {
      out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return in.readLine();
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }

  @Test
  void answersTheUserOfOurSocketAndNoUserOtherwise() throws Exception {
    server = IdentServer.start(new InetSocketAddress(LOOPBACK, 0), oneSocket());
    try (RawClient client = new RawClient(server.address())) {
      assertThat(client.ask("5000 , 6667")).isEqualTo("5000 , 6667 : USERID : UNIX : alice");
      assertThat(client.ask("5000,6667")).isEqualTo("5000 , 6667 : USERID : UNIX : alice");
      assertThat(client.ask("5001 , 6667")).isEqualTo("5001 , 6667 : ERROR : NO-USER");
      assertThat(client.ask("5000 , 6668")).isEqualTo("5000 , 6668 : ERROR : NO-USER");
    }
  }

  @Test
  void aSocketToAnotherHostIsNotRevealed() throws Exception {
    assertThat(IdentServer.answer("5000 , 6667", InetAddress.getByAddress(new byte[] {10, 0, 0, 1}),
        oneSocket())).isEqualTo("5000 , 6667 : ERROR : NO-USER");
  }

  @Test
  void garbageGetsInvalidPortAndTheConnectionKeepsWorking() throws Exception {
    server = IdentServer.start(new InetSocketAddress(LOOPBACK, 0), oneSocket());
    try (RawClient client = new RawClient(server.address())) {
      assertThat(client.ask("hello")).isEqualTo("0 , 0 : ERROR : INVALID-PORT");
      assertThat(client.ask("0 , 6667")).isEqualTo("0 , 6667 : ERROR : INVALID-PORT");
      assertThat(client.ask("70000 , 1")).isEqualTo("70000 , 1 : ERROR : INVALID-PORT");
      assertThat(client.ask("5000 , 6667 \u0000\u00ff\u0007")).isEqualTo("0 , 0 : ERROR : INVALID-PORT");
      assertThat(client.ask("5000 , 6667")).isEqualTo("5000 , 6667 : USERID : UNIX : alice");
    }
  }

  @Test
  void aHugeLineIsAnsweredAndClosedAndTheServerStaysUp() throws Exception {
    server = IdentServer.start(new InetSocketAddress(LOOPBACK, 0), oneSocket());
    try (RawClient client = new RawClient(server.address())) {
      assertThat(client.ask("1".repeat(100_000))).isEqualTo("0 , 0 : ERROR : INVALID-PORT");
      assertThat(client.in.readLine()).isNull();
    }
    try (RawClient client = new RawClient(server.address())) {
      assertThat(client.ask("5000 , 6667")).isEqualTo("5000 , 6667 : USERID : UNIX : alice");
    }
  }

  @Test
  void aConnectionAnswersAtMostTenQueries() throws Exception {
    server = IdentServer.start(new InetSocketAddress(LOOPBACK, 0), oneSocket());
    try (RawClient client = new RawClient(server.address())) {
      for (int i = 0; i < 10; i++) {
        assertThat(client.ask("5001 , 6667")).endsWith("NO-USER");
      }
      assertThat(client.in.readLine()).isNull();
    }
  }

  @Test
  void configIsOffByDefaultAndChecked() throws Exception {
    assertThat(ident("")).isEqualTo(IdentConfig.OFF);
    assertThat(ident(",\"ident\":{\"enabled\":true,\"port\":1113,\"bind\":\"127.0.0.1\"}"))
        .isEqualTo(new IdentConfig(true, "127.0.0.1", 1113));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ident(",\"ident\":{\"port\":70000}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.ident.port");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ident(",\"ident\":{\"enabled\":\"yes\"}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("irc.ident.enabled");
  }

  /** {@code irc.ident} as the connector reads it, from an {@code irc:} section with one network and {@code more}. */
  private static IdentConfig ident(String more) throws Exception {
    return dev.switchboard.irc.IrcConfig.parse(new ObjectMapper().readTree(
        "{\"networks\":{\"n\":{\"host\":\"h\",\"nick\":\"bot\"}}" + more + "}")).ident();
  }


  /**
   * ngircd (built with IDENT) asks port 113 of the connecting address: our puppet's user name shows without '~',
   * and a client that is not ours gets NO-USER (its name keeps the '~'). Skipped where port 113 cannot be bound.
   */
  @Test
  void ngircdLearnsThePuppetsUserNameFromOurIdentd() throws Exception {
    try {
      server = IdentServer.start(new InetSocketAddress(LOOPBACK, 113), (l, r, a) -> Optional.empty());
      server.close();
      server = null;
    } catch (Exception e) {
      Assumptions.abort("cannot listen on port 113 here: " + e);
    }
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    try (NgircdServer ircd = NgircdServer.startWithIdent();
        OutgoingConnections sockets = new OutgoingConnections(1)) {
      server = IdentServer.start(new InetSocketAddress(LOOPBACK, 113), sockets::username);
      try (IrcTestUser alice = IrcTestUser.connect(ircd, "alice")) {
        alice.join("#room");
        NetworkConfig network = new NetworkConfig("test", ircd.host(), ircd.port(), false, Optional.empty(), "bot",
            Optional.empty(), FloodControl.DEFAULT, 3, NetsplitConfig.DEFAULT);
        IrcConnection puppet = new IrcConnection(network, new IrcConnection.Identity("bob", "mxbob", "bob"),
            NgircdServer.NICK_LENGTH, new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1),
                new SplittableRandom(3)), scheduler, scheduler, e -> { }, ConnectionRole.PUPPET, sockets);
        try {
          puppet.connect();
          puppet.join(new ChannelName("#room"));
          String join = alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);
          assertThat(join).startsWith(":bob!mxbob@");
          assertThat(sockets.open()).isEqualTo(1);
          alice.send("JOIN #room");
          String self = alice.awaitLine(l -> l.startsWith(":alice!") && l.contains(" JOIN "), WAIT);
          assertThat(self).startsWith(":alice!~");
        } finally {
          puppet.stop("test over");
        }
        await().atMost(WAIT).until(() -> sockets.open() == 0);
      }
    } finally {
      scheduler.shutdownNow();
    }
  }
}
