package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.membership.NetsplitConfig;
import dev.switchboard.irc.portal.ChannelName;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * IRCv3 {@code netsplit} / {@code netjoin} batches. No server here sends them (InspIRCd 3 has the {@code batch}
 * capability but puts no netsplits in batches, ngircd has no IRCv3 batches), so this is a scripted server that sends
 * the spec's example shapes; the connection must announce each batch once, before the QUITs / JOINs it held.
 */
class SplitBatchTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String WELCOME =
      ":srv 001 bot :Welcome bot\r\n:srv 002 bot :Your host is srv\r\n:srv 003 bot :Created today\r\n"
          + ":srv 004 bot srv scripted-1.0 iow biklmnopstv\r\n:srv 005 bot NICKLEN=30 PREFIX=(ov)@+ :are supported\r\n"
          + ":srv 375 bot :- srv motd\r\n:srv 372 bot :- hi\r\n:srv 376 bot :End of MOTD";

  private ServerSocket listener;
  private ScheduledExecutorService scheduler;
  private final List<IrcEvent> events = new CopyOnWriteArrayList<>();
  private IrcConnection connection;

  @BeforeEach
  void start() throws Exception {
    listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    scheduler = Executors.newScheduledThreadPool(2);
    Thread t = new Thread(this::serve, "batch-server");
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

  private void serve() {
    try (Socket s = listener.accept();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
      OutputStream out = s.getOutputStream();
      String line;
      while ((line = in.readLine()) != null) {
        String reply = switch (line.split(" ")[0]) {
          case "CAP" -> line.startsWith("CAP LS") ? ":srv CAP * LS :batch multi-prefix"
              : line.startsWith("CAP REQ") ? ":srv CAP * ACK :" + line.substring(line.indexOf(':') + 1)
              : line.startsWith("CAP END") ? WELCOME : null;
          case "VERSION" -> ":srv 351 bot scripted-1.0 srv :test";
          case "JOIN" -> ":bot!b@h JOIN #c\r\n:srv 353 bot = #c :bot u1 u2 u3\r\n:srv 366 bot #c :End of NAMES\r\n"
              + ":srv BATCH +s1 netsplit hub.test leaf.test\r\n"
              + "@batch=s1 :u1!u@h QUIT :hub.test leaf.test\r\n"
              + "@batch=s1 :u2!u@h QUIT :hub.test leaf.test\r\n"
              + ":srv BATCH -s1\r\n"
              + ":srv BATCH +j1 netjoin hub.test leaf.test\r\n"
              + "@batch=j1 :u1!u@h JOIN #c\r\n"
              + ":srv BATCH -j1";
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

  @Test
  void aNetsplitBatchIsAnnouncedOnceBeforeItsQuitsAndANetjoinBeforeItsJoins() {
    NetworkConfig network = new NetworkConfig("test", "127.0.0.1", listener.getLocalPort(), false, Optional.empty(),
        "bot", Optional.empty(), FloodControl.DEFAULT, 3, NetsplitConfig.DEFAULT);
    connection = new IrcConnection(network, new IrcConnection.Identity("bot", "sb", "bot"), 30,
        new Backoff(Duration.ofSeconds(30), Duration.ofSeconds(60), new SplittableRandom(1)), scheduler, scheduler,
        events::add, ConnectionRole.BOT);
    connection.join(new ChannelName("#c"));
    connection.connect();

    await().atMost(WAIT).alias("events: " + events).until(() -> events.stream()
        .anyMatch(e -> e instanceof IrcEvent.Joined j && j.nick().equals("u1")));
    List<IrcEvent> relevant = events.stream().filter(e -> e instanceof IrcEvent.SplitBatch
        || e instanceof IrcEvent.Quit || e instanceof IrcEvent.Joined j && !j.self()).toList();
    assertThat(relevant).hasSize(5);
    assertThat(relevant.get(0)).isEqualTo(new IrcEvent.SplitBatch(false, List.of("hub.test", "leaf.test"),
        List.of("u1", "u2")));
    assertThat(relevant.get(1)).isInstanceOfSatisfying(IrcEvent.Quit.class, q -> assertThat(q.nick()).isEqualTo("u1"));
    assertThat(relevant.get(2)).isInstanceOfSatisfying(IrcEvent.Quit.class, q -> assertThat(q.nick()).isEqualTo("u2"));
    assertThat(relevant.get(3)).isEqualTo(new IrcEvent.SplitBatch(true, List.of("hub.test", "leaf.test"),
        List.of("u1")));
    assertThat(relevant.get(4)).isInstanceOfSatisfying(IrcEvent.Joined.class,
        j -> assertThat(j.nick()).isEqualTo("u1"));
  }
}
