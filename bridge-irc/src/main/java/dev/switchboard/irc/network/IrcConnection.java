package dev.switchboard.irc.network;

import dev.switchboard.irc.format.IrcLines;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.puppet.PuppetNick;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import dev.switchboard.irc.flood.ScheduledSendQueue;
import net.engio.mbassy.listener.Handler;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.defaults.feature.DefaultActorTracker;
import org.kitteh.irc.client.library.element.Actor;
import org.kitteh.irc.client.library.element.MessageTag;
import org.kitteh.irc.client.library.element.ServerMessage;
import org.kitteh.irc.client.library.element.User;
import org.kitteh.irc.client.library.event.channel.ChannelCtcpEvent;
import org.kitteh.irc.client.library.event.channel.ChannelJoinEvent;
import org.kitteh.irc.client.library.event.channel.ChannelKickEvent;
import org.kitteh.irc.client.library.event.channel.ChannelMessageEvent;
import org.kitteh.irc.client.library.event.channel.ChannelNamesUpdatedEvent;
import org.kitteh.irc.client.library.event.channel.ChannelNoticeEvent;
import org.kitteh.irc.client.library.event.channel.ChannelPartEvent;
import org.kitteh.irc.client.library.event.client.ClientNegotiationCompleteEvent;
import org.kitteh.irc.client.library.event.client.NickRejectedEvent;
import org.kitteh.irc.client.library.event.connection.ClientConnectionEndedEvent;
import org.kitteh.irc.client.library.event.channel.ChannelTopicEvent;
import org.kitteh.irc.client.library.event.user.UserNickChangeEvent;
import org.kitteh.irc.client.library.event.user.UserQuitEvent;
import org.kitteh.irc.client.library.command.TopicCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IRC connection (the bot's or a puppet's) on Kitteh: connects, registers with a nick (suffixing it on
 * collisions), joins the channels it is asked to and joins them again after every reconnect, reconnects with
 * jittered exponential backoff, and holds messages for a channel until it is in that channel, so a message sent
 * while connecting is delivered, not dropped.
 *
 * <p>Threads: Kitteh calls the handlers below on its input thread (one per client, which Kitteh 9 always starts). They only update this object's small state
 * and turn what happened into an {@link IrcEvent} for {@code events}, which must hand it to an executor. Connecting
 * (which resolves DNS) runs on {@code blocking}; reconnects are timed by {@code scheduler}.
 */
public final class IrcConnection {
  private static final Logger log = LoggerFactory.getLogger(IrcConnection.class);

  /** Who we are on IRC: the nick we want (we may get a suffixed one), the ident user and the real name. */
  public record Identity(String nick, String user, String realName) {}

  private final Role role;
  private final NetworkConfig network;
  private final Identity identity;
  private final Backoff backoff;
  private final ScheduledExecutorService scheduler;
  private final Executor blocking;
  private final Consumer<IrcEvent> events;
  private final Client client;
  private final AtomicLong messageSeq = new AtomicLong();

  // Guarded by this.
  private final Set<String> wanted = new HashSet<>();
  private final Map<String, String> namesByKey = new HashMap<>();
  private final Set<String> joined = new HashSet<>();
  private final Map<String, Queue<Outgoing>> held = new HashMap<>();
  private final Map<String, String> pendingTopics = new HashMap<>();
  private boolean registered;
  private boolean stopped;
  private int attempt;
  private int nickAttempt;
  private int limit;
  private String nick;

  private record Outgoing(MessageKind kind, String text, CompletableFuture<Void> sent) {}

  /**
   * @param nickLength the longest nick to ask for; when the server refuses it as erroneous we retry with 9
   * @param events receives what happened; called on Kitteh's event loop, so it must not block
   */
  public IrcConnection(NetworkConfig network, Identity identity, int nickLength, Backoff backoff,
      ScheduledExecutorService scheduler, Executor blocking, Consumer<IrcEvent> events) {
    this(network, identity, nickLength, backoff, scheduler, blocking, events, Role.PUPPET);
  }

  /** Whose connection this is, which decides a few behaviours. */
  public enum Role {
    /**
     * The bot: after a kick it joins again after the first reconnect delay, or the portal would go quiet for good;
     * it asks the server for channel details (WHO, MODE) on joining, as Kitteh does by default.
     */
    BOT,
    /**
     * A Matrix user's puppet: after a kick it stays out until its user speaks there again (which joins again); it
     * does not query WHO and MODE on every join, which would cost the server a full member list per puppet and
     * take flood tokens from the user's first lines.
     */
    PUPPET
  }

  /** As above, for the given role. */
  public IrcConnection(NetworkConfig network, Identity identity, int nickLength, Backoff backoff,
      ScheduledExecutorService scheduler, Executor blocking, Consumer<IrcEvent> events, Role role) {
    this.role = role;
    this.network = network;
    this.identity = identity;
    this.backoff = backoff;
    this.scheduler = scheduler;
    this.blocking = blocking;
    this.events = events;
    this.limit = nickLength;
    this.nick = PuppetNick.candidate(identity.nick(), 0, nickLength);
    this.client = Client.builder()
        .name(network.id() + ":" + identity.nick())
        .nick(nick)
        .user(identity.user())
        .realName(identity.realName())
        .server()
            .host(network.host())
            .port(network.port(), network.tls() ? Client.Builder.Server.SecurityType.SECURE
                : Client.Builder.Server.SecurityType.INSECURE)
            .password(network.password().orElse(null))
            .then()
        // Kitteh's exception listener is a thread per client; handler failures are logged by the event manager.
        .listeners()
            .exception(null)
            .then()
        // One shared scheduler and a synchronous event bus instead of a delay-sender thread and two event
        // dispatcher threads per client (see ScheduledSendQueue, InlineEventManager).
        .management()
            .messageSendingQueueSupplier(c -> new ScheduledSendQueue(network.flood(), scheduler))
            .eventManager(InlineEventManager::new)
            .actorTracker(c -> {
              DefaultActorTracker tracker = new DefaultActorTracker(c);
              tracker.setQueryChannelInformation(role == Role.BOT);
              return tracker;
            })
            .then()
        .build();
    client.getEventManager().registerEventListener(new KittehListener());
  }

  /** Starts connecting in the background. */
  public void connect() {
    blocking.execute(this::connectNow);
  }

  private void connectNow() {
    synchronized (this) {
      if (stopped) {
        return;
      }
    }
    try {
      client.connect();
    } catch (IllegalStateException alreadyConnecting) {
      log.debug("IRC {} ({}): already connecting", network.id(), nick());
    } catch (RuntimeException e) {
      log.warn("IRC {} ({}): connect failed: {}", network.id(), nick(), e.toString());
      scheduleReconnect("connect failed: " + e.getMessage());
    }
  }

  /** Joins {@code channel} now if registered, else as soon as we are, and again after every reconnect. */
  public synchronized void join(ChannelName channel) {
    namesByKey.put(channel.key(), channel.value());
    if (wanted.add(channel.key()) && registered) {
      client.addChannel(channel.value());
    }
  }

  /**
   * Sends message texts to {@code channel} once we are in it. Each text must already be one safe line
   * ({@link dev.switchboard.irc.format.IrcLines}). The future completes when the last line is handed to the
   * connection's send queue.
   */
  public CompletableFuture<Void> send(ChannelName channel, MessageKind kind, List<String> texts) {
    List<CompletableFuture<Void>> all = new ArrayList<>(texts.size());
    synchronized (this) {
      join(channel);
      for (String text : texts) {
        Outgoing out = new Outgoing(kind, text, new CompletableFuture<>());
        all.add(out.sent());
        if (joined.contains(channel.key()) && held.getOrDefault(channel.key(), new ArrayDeque<>()).isEmpty()) {
          write(channel.value(), out);
        } else {
          held.computeIfAbsent(channel.key(), k -> new ArrayDeque<>()).add(out);
        }
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  private void write(String channel, Outgoing out) {
    try {
      switch (out.kind()) {
        case TEXT -> client.sendMessage(channel, out.text());
        case NOTICE -> client.sendNotice(channel, out.text());
        case EMOTE -> client.sendCtcpMessage(channel, "ACTION " + out.text());
      }
      out.sent().complete(null);
    } catch (RuntimeException e) {
      out.sent().completeExceptionally(e);
    }
  }

  /**
   * Sets a channel's topic once we are in it. The text is made one safe line: line breaks and other control
   * characters become spaces, and it is cut to the server's TOPICLEN (or what fits a line) between code points.
   */
  public void setTopic(ChannelName channel, String topic) {
    String safe = topic.replaceAll("[\\p{Cntrl}\u0085\u2028\u2029]+", " ").strip();
    int serverLimit = client.getServerInfo().getTopicLengthLimit();
    int limit = Math.min(serverLimit > 0 ? serverLimit : TOPIC_BUDGET, TOPIC_BUDGET);
    List<String> cut = IrcLines.split(safe.isEmpty() ? " " : safe, limit);
    String line = cut.isEmpty() ? "" : cut.get(0);
    synchronized (this) {
      join(channel);
      if (joined.contains(channel.key())) {
        new TopicCommand(client, channel.value()).topic(line).execute();
      } else {
        pendingTopics.put(channel.key(), line);
      }
    }
  }

  /** Leaves a channel (and stops wanting it). */
  public synchronized void part(ChannelName channel, String reason) {
    wanted.remove(channel.key());
    pendingTopics.remove(channel.key());
    if (joined.contains(channel.key())) {
      client.removeChannel(channel.value(), reason.replaceAll("\\p{Cntrl}", " "));
    }
  }

  /** Room for {@code TOPIC <channel> :} and the server's relay prefix within 512 bytes. */
  private static final int TOPIC_BUDGET = 300;

  /** The nick we have or are asking for right now. */
  public synchronized String nick() {
    return nick;
  }

  /** Whether {@code other} is this connection's nick (IRC compares nicks case-insensitively). */
  public boolean hasNick(String other) {
    return nick().equalsIgnoreCase(other);
  }

  /** The server's NICKLEN once it announced it. */
  public Optional<Integer> serverNickLength() {
    int n = client.getServerInfo().getNickLengthLimit();
    return n > 0 ? Optional.of(n) : Optional.empty();
  }

  public synchronized boolean isRegistered() {
    return registered;
  }

  /** Whether we are in {@code channel} right now. */
  public synchronized boolean isIn(ChannelName channel) {
    return joined.contains(channel.key());
  }

  /** Quits for good; held messages fail. */
  public void stop(String reason) {
    List<Outgoing> dropped = new ArrayList<>();
    synchronized (this) {
      stopped = true;
      held.values().forEach(dropped::addAll);
      held.clear();
    }
    dropped.forEach(o -> o.sent().completeExceptionally(new IllegalStateException("IRC connection stopped")));
    try {
      client.shutdown(reason);
    } catch (RuntimeException e) {
      log.debug("IRC {} ({}): shutdown: {}", network.id(), nick(), e.toString());
    }
  }

  private void scheduleReconnect(String reason) {
    Duration delay;
    synchronized (this) {
      if (stopped) {
        return;
      }
      delay = backoff.delay(attempt++);
    }
    log.info("IRC {} ({}): {}; reconnecting in {} ms", network.id(), nick(), reason, delay.toMillis());
    events.accept(new IrcEvent.Disconnected(reason, delay));
    scheduler.schedule(() -> blocking.execute(this::connectNow), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Optional<String> tag(ServerMessage source, String name) {
    return source.getTag(name).flatMap(MessageTag::getValue);
  }

  private static Optional<Instant> time(ServerMessage source) {
    return source.getTag("time", MessageTag.Time.class).map(MessageTag.Time::getTime);
  }

  /** Kitteh's view of us; public because MBassador finds handlers by reflection. */
  public final class KittehListener {

    @Handler
    public void registered(ClientNegotiationCompleteEvent e) {
      String current;
      synchronized (IrcConnection.this) {
        registered = true;
        attempt = 0;
        nick = client.getNick();
        current = nick;
        for (String key : wanted) {
          client.addChannel(namesByKey.get(key));
        }
      }
      events.accept(new IrcEvent.Registered(current));
    }

    @Handler
    public void nickRejected(NickRejectedEvent e) {
      String numeric = e.getSource().getMessage().split(" ", 3).length > 1
          ? e.getSource().getMessage().split(" ", 3)[1] : "";
      synchronized (IrcConnection.this) {
        // 432 (erroneous nickname) is what servers answer a nick longer than their NICKLEN, which we may not
        // know yet: fall back to RFC 2812's 9, which every server accepts.
        if ("432".equals(numeric) && limit > PuppetNick.RFC_NICK_LENGTH) {
          limit = PuppetNick.RFC_NICK_LENGTH;
        } else {
          nickAttempt++;
        }
        nick = PuppetNick.candidate(identity.nick(), nickAttempt, limit);
        e.setNewNick(nick);
      }
      log.debug("IRC {}: nick {} rejected ({}), trying {}", network.id(), e.getAttemptedNick(), numeric, e.getNewNick());
    }

    @Handler
    public void ended(ClientConnectionEndedEvent e) {
      // Our own scheduler reconnects, so that the DNS lookup in connect() never runs on the event loop.
      e.setAttemptReconnect(false);
      synchronized (IrcConnection.this) {
        registered = false;
        joined.clear();
      }
      scheduleReconnect(e.getCause().map(Throwable::toString).orElse("connection closed"));
    }

    @Handler
    public void joined(ChannelJoinEvent e) {
      String channel = e.getChannel().getName();
      boolean self = hasNick(e.getActor().getNick());
      if (self) {
        List<Outgoing> flush;
        synchronized (IrcConnection.this) {
          String key = ChannelName.parse(channel).map(ChannelName::key).orElse(channel);
          joined.add(key);
          Queue<Outgoing> waiting = held.remove(key);
          flush = waiting == null ? List.of() : new ArrayList<>(waiting);
          for (Outgoing out : flush) {
            write(channel, out);
          }
          String topic = pendingTopics.remove(key);
          if (topic != null) {
            new TopicCommand(client, channel).topic(topic).execute();
          }
        }
      }
      events.accept(new IrcEvent.Joined(channel, e.getActor().getNick(), self));
    }

    @Handler
    public void names(ChannelNamesUpdatedEvent e) {
      events.accept(new IrcEvent.Present(e.getChannel().getName(), List.copyOf(e.getChannel().getNicknames())));
    }

    @Handler
    public void parted(ChannelPartEvent e) {
      left(e.getChannel().getName(), e.getActor().getNick(), Optional.empty(), e.getMessage());
    }

    @Handler
    public void kicked(ChannelKickEvent e) {
      Actor by = e.getActor();
      left(e.getChannel().getName(), e.getTarget().getNick(),
          Optional.of(by instanceof User u ? u.getNick() : by.getName()), e.getMessage());
    }

    private void left(String channel, String who, Optional<String> kickedBy, String reason) {
      boolean self = hasNick(who);
      if (self) {
        String key = ChannelName.parse(channel).map(ChannelName::key).orElse(channel);
        synchronized (IrcConnection.this) {
          joined.remove(key);
          if (kickedBy.isEmpty() || role == Role.PUPPET) {
            // Not in the channel any more until asked again (a puppet's next message joins again).
            wanted.remove(key);
          }
        }
        if (kickedBy.isPresent() && role == Role.BOT) {
          Duration delay = backoff.delay(0);
          log.info("IRC {} ({}): kicked from {} by {}; joining again in {} ms", network.id(), nick(), channel,
              kickedBy.get(), delay.toMillis());
          scheduler.schedule(() -> {
            synchronized (IrcConnection.this) {
              if (!stopped && registered && wanted.contains(key) && !joined.contains(key)) {
                client.addChannel(namesByKey.getOrDefault(key, channel));
              }
            }
          }, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
      events.accept(new IrcEvent.Left(channel, who, self, kickedBy, reason));
    }

    @Handler
    public void quit(UserQuitEvent e) {
      User user = e.getActor();
      events.accept(new IrcEvent.Quit(user.getNick(), List.copyOf(user.getChannels()), e.getMessage()));
    }

    @Handler
    public void nickChanged(UserNickChangeEvent e) {
      String now = e.getNewUser().getNick();
      if (hasNick(e.getOldUser().getNick())) {
        synchronized (IrcConnection.this) {
          nick = now;
        }
      }
      events.accept(new IrcEvent.NickChanged(e.getOldUser().getNick(), now, List.copyOf(e.getNewUser().getChannels())));
    }

    @Handler
    public void topic(ChannelTopicEvent e) {
      Optional<String> setter = e.getNewTopic().getSetter().map(a -> a instanceof User u ? u.getNick() : a.getName());
      events.accept(new IrcEvent.Topic(e.getChannel().getName(), e.getNewTopic().getValue().orElse(""), setter,
          e.isNew()));
    }

    @Handler
    public void message(ChannelMessageEvent e) {
      channelMessage(e.getChannel().getName(), e.getActor().getNick(), MessageKind.TEXT, e.getMessage(),
          e.getSource());
    }

    @Handler
    public void notice(ChannelNoticeEvent e) {
      channelMessage(e.getChannel().getName(), e.getActor().getNick(), MessageKind.NOTICE, e.getMessage(),
          e.getSource());
    }

    @Handler
    public void ctcp(ChannelCtcpEvent e) {
      String body = e.getMessage();
      if (body.startsWith("ACTION ")) {
        channelMessage(e.getChannel().getName(), e.getActor().getNick(), MessageKind.EMOTE,
            body.substring("ACTION ".length()), e.getSource());
      }
    }

    private void channelMessage(String channel, String from, MessageKind kind, String text, ServerMessage source) {
      events.accept(new IrcEvent.ChannelMessage(channel, from, kind, text, messageSeq.incrementAndGet(),
          tag(source, "msgid"), time(source), tag(source, "+draft/reply").or(() -> tag(source, "+reply"))));
    }
  }
}
