package dev.switchboard.irc.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.irc.flood.FloodControl;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.membership.NetsplitConfig;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
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
import org.junit.jupiter.api.extension.RegisterExtension;

class IrcConnectionTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final ChannelName ROOM = new ChannelName("#room");

  @RegisterExtension
  final IrcServerFixture<NgircdServer> server = IrcServerFixture.ngircd();
  private ScheduledExecutorService scheduler;
  private final List<IrcEvent> events = new CopyOnWriteArrayList<>();
  private final List<IrcConnection> connections = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    scheduler = Executors.newScheduledThreadPool(2);
  }

  @AfterEach
  void stop() {
    connections.forEach(c -> c.stop("test over"));
    scheduler.shutdownNow();
  }

  private IrcConnection connection(String nick) {
    return connection(nick, NgircdServer.NICK_LENGTH);
  }

  private IrcConnection connection(String nick, int nickLength) {
    return connection(nick, nickLength, ConnectionRole.PUPPET, events);
  }

  private IrcConnection connection(String nick, int nickLength, ConnectionRole role, List<IrcEvent> to) {
    NetworkConfig network = new NetworkConfig("test", server.get().host(), server.get().port(), false, Optional.empty(),
        nick, Optional.empty(), FloodControl.DEFAULT, 3, NetsplitConfig.DEFAULT);
    IrcConnection c = new IrcConnection(network, new IrcConnection.Identity(nick, "sb", "test " + nick),
        nickLength, new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1), new SplittableRandom(3)),
        scheduler, scheduler, to::add, role);
    connections.add(c);
    return c;
  }

  @Test
  void aMessageSentWhileConnectingIsDeliveredOnceInTheChannel() throws Exception {
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      IrcConnection bob = connection("bob");

      bob.send(ROOM, MessageKind.TEXT, List.of("hi while connecting", "second line"));
      bob.connect();

      alice.awaitMessage("bob", "#room", "second line", WAIT);
      assertThat(alice.messagesTo("#room")).containsExactly("bob: hi while connecting", "bob: second line");
    }
  }

  @Test
  void emotesAndNoticesKeepTheirForm() throws Exception {
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      IrcConnection bob = connection("bob");
      bob.connect();

      bob.send(ROOM, MessageKind.EMOTE, List.of("waves"));
      bob.send(ROOM, MessageKind.NOTICE, List.of("a notice"));

      alice.awaitLine(l -> l.startsWith(":bob!") && l.endsWith("NOTICE #room :a notice"), WAIT);
      assertThat(alice.lines()).anyMatch(l -> l.startsWith(":bob!") && l.endsWith("PRIVMSG #room :\u0001ACTION waves\u0001"));
    }
  }

  @Test
  void aTakenNickGetsASuffix() throws Exception {
    try (IrcTestUser squatter = IrcTestUser.connect(server.get(), "carol")) {
      squatter.join("#room");
      IrcConnection carol = connection("carol");
      carol.connect();
      carol.join(ROOM);

      await().atMost(WAIT).until(carol::isRegistered);
      assertThat(carol.nick()).isEqualTo("carol_");
      squatter.awaitLine(l -> l.startsWith(":carol_!") && l.contains(" JOIN "), WAIT);
    }
  }

  @Test
  void aNickLongerThanTheServerAllowsFallsBackToNineCharacters() throws Exception {
    IrcConnection longName = connection("averyveryverylongnickname", 30);
    longName.connect();

    await().atMost(WAIT).until(longName::isRegistered);
    assertThat(longName.nick()).isEqualTo("averyvery");
  }

  @Test
  void channelTrafficBecomesEventsOnTheBotsConnection() throws Exception {
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      IrcConnection bot = connection("bot", NgircdServer.NICK_LENGTH, ConnectionRole.BOT, events);
      bot.connect();
      bot.join(ROOM);
      await().atMost(WAIT).until(() -> bot.isIn(ROOM));

      alice.join("#room");
      alice.say("#room", "hello");
      alice.action("#room", "waves");
      alice.notice("#room", "note");
      alice.part("#room");

      await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e instanceof IrcEvent.Left l && !l.self()));
      assertThat(events).filteredOn(e -> e instanceof IrcEvent.ChannelMessage)
          .map(e -> (IrcEvent.ChannelMessage) e)
          .extracting(m -> m.nick() + " " + m.kind() + " " + m.text())
          .containsExactly("alice TEXT hello", "alice EMOTE waves", "alice NOTICE note");
      assertThat(events).anyMatch(e -> e instanceof IrcEvent.Joined j && j.nick().equals("alice") && !j.self());
    }
  }

  /**
   * A puppet's connection hears every line of its channel, but only the bot's turns them into events: the puppet's
   * socket drops other people's channel messages before Kitteh parses them, and keeps what concerns the puppet
   * (joins, parts, its own nick change, messages to it). Its own lines still go out, after a nick change too.
   */
  @Test
  void aPuppetsConnectionDropsOtherPeoplesChannelMessagesAndKeepsTheRest() throws Exception {
    List<IrcEvent> puppetEvents = new CopyOnWriteArrayList<>();
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      IrcConnection bot = connection("bot", NgircdServer.NICK_LENGTH, ConnectionRole.BOT, events);
      IrcConnection bob = connection("bob", NgircdServer.NICK_LENGTH, ConnectionRole.PUPPET, puppetEvents);
      bot.connect();
      bob.connect();
      bot.join(ROOM);
      bob.join(ROOM);
      await().atMost(WAIT).until(() -> bot.isIn(ROOM) && bob.isIn(ROOM));

      alice.join("#room");
      alice.say("#room", "hello");
      alice.notice("#room", "note");
      alice.action("#room", "waves");
      alice.say("bob", "just for bob");
      alice.send("NICK alice2");
      alice.say("#room", "renamed");
      await().atMost(WAIT).until(() -> puppetEvents.stream()
          .anyMatch(e -> e instanceof IrcEvent.PrivateMessage pm && pm.text().equals("just for bob")));
      bob.requests().changeNick("bobby");
      await().atMost(WAIT).until(() -> bob.nick().equals("bobby"));
      bob.send(ROOM, MessageKind.TEXT, List.of("from the renamed puppet")).get(WAIT.toSeconds(),
          java.util.concurrent.TimeUnit.SECONDS);
      alice.awaitMessage("bobby", "#room", "from the renamed puppet", WAIT);
      alice.part("#room");

      await().atMost(WAIT).until(() -> puppetEvents.stream().anyMatch(e -> e instanceof IrcEvent.Left l && !l.self())
          && events.stream().anyMatch(e -> e instanceof IrcEvent.Left l && !l.self()));
      assertThat(events).filteredOn(e -> e instanceof IrcEvent.ChannelMessage)
          .extracting(e -> ((IrcEvent.ChannelMessage) e).text())
          .containsExactly("hello", "note", "waves", "renamed", "from the renamed puppet");
      assertThat(puppetEvents).noneMatch(e -> e instanceof IrcEvent.ChannelMessage);
      assertThat(puppetEvents).anyMatch(e -> e instanceof IrcEvent.Joined j && j.nick().equals("alice"));
      assertThat(puppetEvents).anyMatch(e -> e instanceof IrcEvent.Left l && l.nick().equals("alice2"));
    }
  }

  @Test
  void afterTheServerRestartsTheConnectionComesBackAndRejoins() throws Exception {
    IrcConnection bot = connection("bot");
    bot.connect();
    bot.join(ROOM);
    await().atMost(WAIT).until(() -> bot.isIn(ROOM));

    server.get().restart();

    await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e instanceof IrcEvent.Disconnected));
    await().atMost(WAIT).until(() -> bot.isIn(ROOM));
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      bot.send(ROOM, MessageKind.TEXT, List.of("back"));
      alice.awaitMessage("bot", "#room", "back", WAIT);
    }
  }

  @Test
  void aPuppetTracksOnlyItselfInItsChannelsWhileTheBotTracksEveryMember() throws Exception {
    try (IrcTestUser alice = IrcTestUser.connect(server.get(), "alice")) {
      alice.join("#room");
      NetworkConfig network = new NetworkConfig("test", server.get().host(), server.get().port(), false,
          Optional.empty(), "bot", Optional.empty(), FloodControl.DEFAULT, 3, NetsplitConfig.DEFAULT);
      IrcConnection bot = new IrcConnection(network, new IrcConnection.Identity("bot", "sb", "bot"),
          NgircdServer.NICK_LENGTH, new Backoff(Duration.ofMillis(200), Duration.ofSeconds(1), new SplittableRandom(3)),
          scheduler, scheduler, e -> { }, ConnectionRole.BOT);
      connections.add(bot);
      IrcConnection puppet = connection("puppet");
      bot.connect();
      puppet.connect();
      bot.join(ROOM);
      puppet.join(ROOM);
      await().atMost(WAIT).until(() -> bot.isIn(ROOM) && puppet.isIn(ROOM));
      alice.awaitLine(l -> l.startsWith(":puppet!") && l.contains(" JOIN "), WAIT);
      await().atMost(WAIT).until(() -> bot.userModes(ROOM, "puppet").isPresent());

      assertThat(bot.userModes(ROOM, "alice")).isPresent();
      assertThat(puppet.userModes(ROOM, "puppet")).isPresent();
      assertThat(puppet.userModes(ROOM, "alice")).isEmpty();
      assertThat(puppet.userModes(ROOM, "bot")).isEmpty();

      // What a puppet needs about itself still works: it is renamed, then kicked.
      puppet.requests().changeNick("puppet2");
      await().atMost(WAIT).until(() -> puppet.nick().equals("puppet2"));
      alice.send("KICK #room puppet2 :out");
      await().atMost(WAIT).until(() -> !puppet.isIn(ROOM));
    }
  }
}
