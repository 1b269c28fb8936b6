package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.membership.NetsplitConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SASL on the bot's connection, the exchange in detail: a scripted server that follows the IRCv3 SASL exchange
 * ({@code CAP LS/REQ/ACK}, {@code AUTHENTICATE}, 900/903) and records what the connection sent. Against a real
 * server (InspIRCd 3 with Anope services) see {@code IrcSaslFlowTest}.
 */
class SaslTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private ServerSocket listener;
  private ScheduledExecutorService scheduler;
  private final List<String> received = new CopyOnWriteArrayList<>();
  private IrcConnection connection;

  @BeforeEach
  void start() throws Exception {
    listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    scheduler = Executors.newScheduledThreadPool(2);
    Thread t = new Thread(this::serve, "sasl-server");
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (connection != null) {
      connection.stop("test over");
    }
    scheduler.shutdownNow();
    listener.close();
  }

  private static final String WELCOME =
      ":srv 001 bot :Welcome bot\r\n:srv 002 bot :Your host is srv\r\n:srv 003 bot :Created today\r\n"
          + ":srv 004 bot srv scripted-1.0 iow biklmnopstv\r\n:srv 005 bot NICKLEN=30 PREFIX=(ov)@+ :are supported\r\n"
          + ":srv 375 bot :- srv motd\r\n:srv 372 bot :- hi\r\n:srv 376 bot :End of MOTD";

  private void serve() {
    try (Socket s = listener.accept();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
      OutputStream out = s.getOutputStream();
      String line;
      while ((line = in.readLine()) != null) {
        received.add(line);
        String reply = switch (line.split(" ")[0]) {
          case "CAP" -> line.startsWith("CAP LS") ? ":srv CAP * LS :sasl multi-prefix"
              : line.startsWith("CAP REQ") ? ":srv CAP * ACK :" + line.substring(line.indexOf(':') + 1)
              // Servers hold registration until the client ends capability negotiation.
              : line.startsWith("CAP END") ? WELCOME : null;
          case "AUTHENTICATE" -> line.equals("AUTHENTICATE PLAIN") || line.equals("AUTHENTICATE EXTERNAL")
              ? "AUTHENTICATE +"
              : ":srv 900 bot bot!bot@host account :You are now logged in as account\r\n"
                  + ":srv 903 bot :SASL authentication successful";
          // Kitteh counts a connection as ready once the server answered its VERSION.
          case "VERSION" -> ":srv 351 bot scripted-1.0 srv :test";
          default -> null;
        };
        if (reply != null) {
          out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      }
    } catch (Exception closed) {
      // the test is over
    }
  }

  private void connect(ConnectionSecurity.Sasl sasl) {
    NetworkConfig base = new NetworkConfig("test", "127.0.0.1", listener.getLocalPort(), false, Optional.empty(),
        "bot", Optional.empty(), FloodControl.DEFAULT, 3, NetsplitConfig.DEFAULT);
    NetworkConfig network = new NetworkConfig(base.id(), base.host(), base.port(), false, Optional.empty(), "bot",
        Optional.empty(), FloodControl.DEFAULT, 3, NetsplitConfig.DEFAULT, Map.of('o', 50), Duration.ZERO,
        NetworkConfig.Reactions.ACTION, NetworkConfig.Redactions.NOTICE,
        new ConnectionSecurity(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(sasl)),
        dev.switchboard.irc.puppet.ConnectionLimits.DEFAULT, dev.switchboard.irc.portal.OperatorConsent.Settings.DEFAULT);
    connection = new IrcConnection(network, new IrcConnection.Identity("bot", "sb", "bot"), 30,
        new Backoff(Duration.ofSeconds(30), Duration.ofSeconds(60), new SplittableRandom(1)), scheduler, scheduler,
        e -> { }, ConnectionRole.BOT);
    connection.connect();
  }

  @Test
  void saslPlainSendsTheAccountAndPasswordBeforeRegistering() {
    connect(new ConnectionSecurity.Sasl(ConnectionSecurity.Mechanism.PLAIN, Optional.of("account"),
        Optional.of("s3cret")));

    await().atMost(WAIT).until(() -> received.stream().anyMatch(l -> l.startsWith("AUTHENTICATE ")
        && !l.equals("AUTHENTICATE PLAIN")));
    String payload = received.stream().filter(l -> l.startsWith("AUTHENTICATE ") && !l.equals("AUTHENTICATE PLAIN"))
        .findFirst().orElseThrow().substring("AUTHENTICATE ".length());
    assertThat(new String(Base64.getDecoder().decode(payload), StandardCharsets.UTF_8))
        .isEqualTo("account\0account\0s3cret");
    assertThat(received).anyMatch(l -> l.startsWith("CAP REQ") && l.contains("sasl"));
    await().atMost(WAIT).alias("registered; the server received " + received).until(connection::isRegistered);
  }

  @Test
  void saslExternalAsksTheServerToUseTheClientCertificate() {
    connect(new ConnectionSecurity.Sasl(ConnectionSecurity.Mechanism.EXTERNAL, Optional.empty(), Optional.empty()));

    await().atMost(WAIT).until(() -> received.contains("AUTHENTICATE EXTERNAL"));
    await().atMost(WAIT).until(() -> received.contains("AUTHENTICATE +"));
    await().atMost(WAIT).alias("registered; the server received " + received).until(connection::isRegistered);
  }
}
