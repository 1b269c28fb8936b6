package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.membership.NetsplitConfig;
import java.lang.invoke.MethodHandles;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.util.Version;

/**
 * The guard on the Kitteh wrap ({@link SharedThreadsClient}): it is pinned to one Kitteh release and reaches its
 * private members, it leaves no thread per client, and the thread-free queue and input lane keep Kitteh's behaviour.
 * (Real sockets, reconnects, SASL and ordering are tested through {@link IrcConnection} against ngircd.)
 */
class SharedThreadsClientTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final OutgoingConnections io = new OutgoingConnections(1);
  private final List<Client> built = new ArrayList<>();

  @AfterEach
  void shutDown() {
    built.forEach(Client::shutdown);
    scheduler.shutdownNow();
    io.close();
  }

  @Test
  void kittehIsTheReleaseWhosePrivateMembersTheWrapUses() throws Exception {
    // Another release may rename or change what the wrap reaches: read docs/irc.md, "Threads and cost per puppet",
    // check the members and their use against the new source, then move the pin.
    assertThat(Version.getVersion()).isEqualTo(SharedThreadsClient.KITTEH_VERSION);
    // Loading the class resolves every member it uses, or fails with a message naming the Kitteh version.
    MethodHandles.lookup().ensureInitialized(SharedThreadsClient.class);
  }

  @Test
  void twoHundredClientsLeaveNoThreadsOfTheirOwn() {
    for (int i = 0; i < 200; i++) {
      built.add(client("p" + i, Runnable::run));
    }
    // Kitteh starts its two threads inside initialize; the wrap stops them at once and they end.
    await().atMost(Duration.ofSeconds(10)).until(() -> kittehThreads() == 0);
  }

  private static long kittehThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("KICL ")
        && t.getName().contains("(net:p")).count();
  }

  @Test
  void linesAreHandledOnTheInputLaneAndAPingIsAnsweredAtOnce() {
    Queue<Runnable> lane = new ArrayDeque<>();
    SharedThreadsClient client = client("alice", lane::add);
    built.add(client);
    List<String> written = new CopyOnWriteArrayList<>();
    Queue<Runnable> loop = new ArrayDeque<>();
    client.writesOn(loop::add);
    client.beginMessageSendingImmediate(written::add);

    client.processLine("PING :irc.test");
    assertThat(lane).isEmpty();
    assertThat(written).as("written on the event loop, not inline").isEmpty();
    loop.forEach(Runnable::run);
    assertThat(written).containsExactly("PONG :irc.test");

    client.processLine(":irc.test 001 alice_2 :Welcome");
    assertThat(client.getNick()).isEqualTo("alice");
    assertThat(lane).hasSize(1);
    lane.poll().run(); // Kitteh's own handleLine: the welcome sets the nick
    assertThat(client.getNick()).isEqualTo("alice_2");

    client.processLine(":irc.test 001"); // a line Kitteh cannot parse is dropped, the lane goes on
    lane.poll().run();
  }

  @Test
  void theImmediateQueueKeepsLinesUntilSendingBeginsAndAcrossAPauseInOrder() {
    ImmediateLane queue = new ImmediateLane("test");
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    Queue<Runnable> loopA = new ArrayDeque<>();
    Queue<Runnable> loopB = new ArrayDeque<>();

    queue.queue("CAP LS 302");
    queue.queue("USER u 8 * :r");
    assertThat(queue.contains("USER u 8 * :r")).isTrue();
    queue.writesOn(loopA::add);
    queue.beginSending(first::add);
    queue.queue("NICK n");
    assertThat(queue.contains("USER u 8 * :r")).isFalse();
    loopA.forEach(Runnable::run);
    assertThat(first).containsExactly("CAP LS 302", "USER u 8 * :r", "NICK n");

    queue.pause();
    queue.queue("PRIVMSG #a :kept");
    queue.writesOn(loopB::add);
    queue.beginSending(second::add);
    queue.queue("PRIVMSG #a :after");
    assertThat(loopA).hasSize(3);
    loopB.forEach(Runnable::run);
    assertThat(second).containsExactly("PRIVMSG #a :kept", "PRIVMSG #a :after");

    queue.pause();
    queue.queue("QUIT");
    assertThat(queue.shutdown()).containsExactly("QUIT");
    queue.queue("after shutdown");
    assertThat(queue.contains("after shutdown")).isFalse();
    assertThat(queue.getConsumer()).isPresent();
  }

  private SharedThreadsClient client(String nick, Executor input) {
    NetworkConfig network = new NetworkConfig("net", "127.0.0.1", 6667, false, Optional.empty(), "bot",
        Optional.empty(), FloodControl.DEFAULT, 3, NetsplitConfig.DEFAULT);
    return (SharedThreadsClient) KittehClients.build(network, new IrcConnection.Identity(nick, "sb", nick), nick,
        ConnectionRole.PUPPET, scheduler, q -> { }, io.as("sb"), input);
  }
}
