package dev.switchboard.app.bench;

import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The people of {@link MemoryBenchmark}: Matrix users spread over bridged IRC channels (each gets its IRC puppet)
 * and one IRC user per channel, who send numbered lines each way ({@code m2i N} from Matrix, {@code i2m N} from
 * IRC) and time each line's first arrival: on IRC as the channel's IRC user reads it, on Matrix as the homeserver
 * stores the ghost's event.
 */
final class PortalTraffic implements AutoCloseable {
  private final List<IrcTestUser> observers = new ArrayList<>();
  private final List<TestUser> users = new ArrayList<>();
  private final List<String> rooms = new ArrayList<>();
  private final List<Thread> readers = new ArrayList<>();
  private final Latencies toIrc = new Latencies();
  private final Latencies toMatrix = new Latencies();

  private PortalTraffic() {
  }

  /**
   * Connects one IRC user per channel, has {@code users} Matrix users join the channels' portals (round robin),
   * waits until every puppet and the bot are in their channel and one line crossed each way in every channel, then
   * starts timing.
   */
  static PortalTraffic join(NgircdServer ircd, TestHomeserver hs, int users, int channels, String bot,
      Duration wait) throws IOException {
    PortalTraffic traffic = new PortalTraffic();
    try {
      hs.onEvent(e -> traffic.toMatrix.arrived(e.path("content").path("body").asText(), "i2m "));
      for (int c = 0; c < channels; c++) {
        IrcTestUser observer = IrcTestUser.connect(ircd, "obs" + c);
        observer.join(channel(c));
        traffic.observers.add(observer);
      }
      for (int u = 0; u < users; u++) {
        TestUser user = hs.user("user" + u);
        traffic.rooms.add(user.join("#_irc_test_" + channel(u % channels) + ":" + hs.serverName()));
        traffic.users.add(user);
      }
      for (int u = 0; u < users; u++) {
        traffic.observers.get(u % channels).awaitLine(joinOf("user" + u), wait);
      }
      for (int c = 0; c < channels; c++) {
        IrcTestUser observer = traffic.observers.get(c);
        observer.awaitLine(joinOf(bot), wait);
        String warm = "warm " + c;
        observer.say(channel(c), warm);
        hs.awaitEvent(traffic.rooms.get(c), "@_irc_test_obs" + c + ":" + hs.serverName(),
            e -> e.path("content").path("body").asText().equals(warm), wait);
        traffic.users.get(c).send(traffic.rooms.get(c), warm);
        observer.awaitMessage("user" + c, channel(c), warm, wait);
      }
      traffic.observers.forEach(traffic::timeArrivals);
      return traffic;
    } catch (IOException | RuntimeException e) {
      traffic.close();
      throw e;
    }
  }

  /**
   * The same people without the bridge: {@code users} Matrix users in one new public room and one IRC user in
   * channel 0, bridged by {@link StandInBridge} (which the caller starts once the room exists: {@code standIn} gets
   * the room id and returns once it is ready). Waits until one line crossed each way, then starts timing.
   */
  static PortalTraffic standIn(NgircdServer ircd, TestHomeserver hs, int users, String standInNick,
      java.util.function.Consumer<String> standIn, Duration wait) throws IOException {
    PortalTraffic traffic = new PortalTraffic();
    try {
      hs.onEvent(e -> traffic.toMatrix.arrived(e.path("content").path("body").asText(), "i2m "));
      IrcTestUser observer = IrcTestUser.connect(ircd, "ref0");
      observer.join(channel(0));
      traffic.observers.add(observer);
      String room = null;
      for (int u = 0; u < users; u++) {
        TestUser user = hs.user("user" + u);
        room = room == null ? user.createRoom(dev.switchboard.testkit.homeserver.RoomSpec.publicRoom())
            : user.join(room);
        traffic.rooms.add(room);
        traffic.users.add(user);
      }
      standIn.accept(room);
      observer.awaitLine(joinOf(standInNick), wait);
      String warm = "warm stand-in";
      observer.say(channel(0), warm);
      hs.awaitEvent(room, null, e -> e.path("content").path("body").asText().equals(warm), wait);
      traffic.users.get(0).send(room, warm);
      observer.awaitMessage(standInNick, channel(0), warm, wait);
      traffic.timeArrivals(observer);
      return traffic;
    } catch (IOException | RuntimeException e) {
      traffic.close();
      throw e;
    }
  }

  /** Message {@code k}: even from a Matrix user (round robin), odd from a channel's IRC user. */
  void send(long k) {
    if (k % 2 == 0) {
      int u = (int) (k / 2 % users.size());
      toIrc.sent("m2i " + k);
      users.get(u).send(rooms.get(u), "m2i " + k);
    } else {
      int c = (int) (k / 2 % observers.size());
      toMatrix.sent("i2m " + k);
      try {
        observers.get(c).say(channel(c), "i2m " + k);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  long pending() {
    return toIrc.pending() + toMatrix.pending();
  }

  Latencies.Summary toIrc() {
    return toIrc.summary();
  }

  Latencies.Summary toMatrix() {
    return toMatrix.summary();
  }

  /** Every line the observer reads passes the predicate once, as it arrives, until {@link #close()} interrupts. */
  private void timeArrivals(IrcTestUser observer) {
    Thread reader = new Thread(() -> observer.awaitLineOrNull(l -> {
      if (IrcTestUser.command(l).equals("PRIVMSG")) {
        toIrc.arrived(l.substring(l.indexOf(" :", l.indexOf(" PRIVMSG ")) + 2), "m2i ");
      }
      return false;
    }, Duration.ofDays(1)), "memory-bench-" + observer.nick());
    reader.setDaemon(true);
    reader.start();
    readers.add(reader);
  }

  private static Predicate<String> joinOf(String nick) {
    return l -> l.startsWith(":" + nick + "!") && l.contains(" JOIN ");
  }

  private static String channel(int c) {
    return "#mem" + c;
  }

  @Override
  public void close() {
    readers.forEach(Thread::interrupt);
    observers.forEach(IrcTestUser::close);
  }
}
