package dev.switchboard.irc.network;

import dev.switchboard.core.connector.RemoteUnavailableException;
import dev.switchboard.irc.format.IrcLines;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.puppet.PuppetNick;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.command.TopicCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IRC connection (the bot's or a puppet's) on Kitteh: connects, registers with a nick (suffixing it on
 * collisions), joins the channels it is asked to and joins them again after every reconnect, reconnects with
 * jittered exponential backoff, and holds messages for a channel until it is in that channel, so a message sent
 * while connecting is delivered, not dropped.
 *
 * <p>Threads: Kitteh calls the {@link KittehListener} on the connection's input lane (a lane of the bridge's shared
 * {@link OutgoingConnections}, which runs on the event loop that read the line; see {@link SharedThreadsClient}). It
 * only updates this object's small state and turns what happened into an {@link IrcEvent} for {@code events}, which
 * must hand it to an executor. Connecting (which resolves DNS) runs on {@code blocking}; reconnects are timed by
 * {@code scheduler}.
 */
public final class IrcConnection {
  private static final Logger log = LoggerFactory.getLogger(IrcConnection.class);

  /** Who we are on IRC: the nick we want (we may get a suffixed one), the ident user and the real name. */
  public record Identity(String nick, String user, String realName) {}

  private final ConnectionRole role;
  private final NetworkConfig network;
  private final NickChoice nick;
  private final Backoff backoff;
  private final ScheduledExecutorService scheduler;
  private final Executor blocking;
  private final Consumer<IrcEvent> events;
  private final Client client;
  private final SaslLogin sasl;
  private final LineWriter lines;
  private final ServerRequests requests;
  /** Our sockets when the caller gave none (tests): {@link WrittenLines} needs a hook in each socket's pipeline. */
  private final OutgoingConnections ownSockets;
  private volatile java.util.function.Function<ChannelName, Optional<String>> channelKeys = c -> Optional.empty();

  // Guarded by this.
  private final Set<String> wanted = new HashSet<>();
  private final Map<String, String> namesByKey = new HashMap<>();
  private final Set<String> joined = new HashSet<>();
  private final HeldLines held = new HeldLines();
  private final JoinRefusals refusals;
  private final ConnectAttempts attempts;
  private boolean registered;
  private boolean stopped;

  /**
   * How long a line may wait for an answer to its channel's JOIN: a server that neither lets us in nor says why must
   * not hold the room's lane for ever.
   */
  static final Duration JOIN_ANSWER_WAIT = Duration.ofSeconds(30);

  private OutgoingLine line(MessageKind kind, String text, Consumer<Optional<String>> onEcho) {
    return new OutgoingLine(kind, text, onEcho, scheduler, network.id(), this::nick);
  }

  /**
   * @param nickLength the longest nick to ask for; when the server refuses it as erroneous we retry with 9
   * @param events receives what happened; called on Kitteh's event loop, so it must not block
   */
  public IrcConnection(NetworkConfig network, Identity identity, int nickLength, Backoff backoff,
      ScheduledExecutorService scheduler, Executor blocking, Consumer<IrcEvent> events) {
    this(network, identity, nickLength, backoff, scheduler, blocking, events, ConnectionRole.PUPPET);
  }

  /** As above, for the given role, with sockets from Kitteh's own network handler. */
  public IrcConnection(NetworkConfig network, Identity identity, int nickLength, Backoff backoff,
      ScheduledExecutorService scheduler, Executor blocking, Consumer<IrcEvent> events, ConnectionRole role) {
    this(network, identity, nickLength, backoff, scheduler, blocking, events, role, null);
  }

  /**
   * As above, with its socket opened by {@code sockets} (the bridge's event loop group, and known to its identd);
   * {@code null} for Kitteh's own network handler.
   */
  public IrcConnection(NetworkConfig network, Identity identity, int nickLength, Backoff backoff,
      ScheduledExecutorService scheduler, Executor blocking, Consumer<IrcEvent> events, ConnectionRole role,
      OutgoingConnections sockets) {
    this.role = role;
    this.network = network;
    this.backoff = backoff;
    this.scheduler = scheduler;
    this.blocking = blocking;
    this.events = events;
    this.refusals = new JoinRefusals(System::nanoTime, n -> backoff.delay((int) n).toNanos());
    this.attempts = new ConnectAttempts(backoff, refusals::newEpisode);
    this.nick = new NickChoice(identity.nick(), nickLength);
    // Always our own sockets: only there can a line's socket write be seen (WrittenLines).
    this.ownSockets = sockets == null ? new OutgoingConnections(1) : null;
    OutgoingConnections io = sockets != null ? sockets : ownSockets;
    Executor input = io.inputLane(this);
    this.lines = new LineWriter(network.id(), this::nick, this::sendRawLine, this::echoMessage);
    if (role == ConnectionRole.PUPPET) {
      lines.wire().filterChannelLines(); // only the bot's connection turns channel messages into events
    }
    this.client = KittehClients.build(network, identity, nick.current(), role, scheduler, lines::useQueue,
        io.as(identity.user(), lines.wire()), input);
    this.sasl = new SaslLogin(network.id(), this::nick);
    client.getEventManager().registerEventListener(new KittehListener(this, events, lines.echoes(), input));
    client.getEventManager().registerEventListener(sasl.new Listener());
    this.requests = new ServerRequests(client);
    client.getEventManager().registerEventListener(requests.new Listener());
    if (role == ConnectionRole.BOT) {
      KittehClients.useBotSasl(client, network.security(), sasl);
    }
  }

  /**
   * Where this connection finds the key ({@code +k}) of a channel it joins; asked at every JOIN, so a key learnt or
   * set later is used on the next (re)join. Keys must be valid ({@link ChannelKey#isValid}).
   */
  public void useChannelKeys(java.util.function.Function<ChannelName, Optional<String>> keys) {
    this.channelKeys = keys;
  }

  /**
   * How this connection tells "the network is down" (lines wait: an outage) from "only I cannot connect" (a K-line, a
   * per-host connection limit): while {@code up} is true and {@link ConnectAttempts#LIMIT} attempts in a row failed,
   * the lines waiting for registration fail as {@link DeliveryRefused}, so their user is told and the room goes on.
   * A puppet passes its network's bot; without a check every failure counts as an outage.
   */
  public void useNetworkCheck(BooleanSupplier up) {
    attempts.useNetworkCheck(up);
  }

  private void addChannel(String channel) {
    Optional<String> key = ChannelName.parse(channel).flatMap(channelKeys).filter(ChannelKey::isValid);
    if (key.isPresent()) {
      client.addKeyProtectedChannel(channel, key.get());
    } else {
      client.addChannel(channel);
    }
  }

  /** Whether the server acknowledged IRCv3 {@code echo-message} on this connection. */
  public boolean echoMessage() {
    return client.getCapabilityManager().getCapabilities().stream()
        .anyMatch(c -> c.getName().equalsIgnoreCase(KittehListener.ECHO_MESSAGE));
  }

  /** Lines the server confirmed by echoing them ({@code echo-message}) since this connection was made. */
  public long confirmedLines() {
    return lines.echoes().confirmed();
  }

  /** Lines written and not yet echoed back ({@code echo-message}). */
  public int unconfirmedLines() {
    return lines.echoes().unconfirmed();
  }

  private void sendRawLine(String raw) {
    client.sendRawLine(raw);
  }

  /** Moderation, nick changes, WHOIS and raw commands on this connection. */
  public ServerRequests requests() {
    return requests;
  }

  /** What SASL gave this connection (see {@link SaslLogin}). */
  public SaslLogin sasl() {
    return sasl;
  }

  /**
   * Logs in with SASL PLAIN when the server offers {@code sasl} (Kitteh requests the capability and answers the
   * exchange). Call before {@link #connect()}. The password is never logged.
   */
  public void useSaslPlain(String account, String password) {
    KittehClients.useSaslPlain(client, sasl, account, password);
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
      sasl.connecting();
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
      addChannel(channel.value());
    }
  }

  /**
   * Completes once we are in {@code channel}, or once there is nothing to wait for: we do not want it, the server
   * refused us, or the connection stopped. Never fails; a caller that must not wait for ever adds its own bound.
   */
  public synchronized CompletableFuture<Void> whenIn(ChannelName channel) {
    String key = channel.key();
    if (stopped || joined.contains(key) || !wanted.contains(key) || refusals.refusedNow(key)) {
      return CompletableFuture.completedFuture(null);
    }
    return held.waitIn(key);
  }

  /** Sends JOIN again for a channel we want but are not in, e.g. after the server refused a wrong key. */
  public synchronized void retryJoin(ChannelName channel) {
    if (registered && wanted.contains(channel.key()) && !joined.contains(channel.key())) {
      addChannel(namesByKey.getOrDefault(channel.key(), channel.value()));
    }
  }

  /**
   * Sends message texts to {@code channel} once we are in it. Each text must already be one safe line
   * ({@link dev.switchboard.irc.format.IrcLines}). The future completes when every line is written to the socket
   * (echoed back, where the server offers echo-message); it fails with {@link DeliveryRefused} when the channel will
   * not let us in, and with {@link RemoteUnavailableException} when the connection
   * is lost or stopped before a line was written.
   */
  public CompletableFuture<Void> send(ChannelName channel, MessageKind kind, List<String> texts) {
    return send(channel, kind, texts, null);
  }

  /**
   * As {@link #send(ChannelName, MessageKind, List)}; {@code onEcho} (may be null) gets each line's server
   * {@code msgid} (empty when the server sends none) when the server echoes it ({@code echo-message}); it is never
   * called when the server does not echo.
   */
  public CompletableFuture<Void> send(ChannelName channel, MessageKind kind, List<String> texts,
      Consumer<Optional<String>> onEcho) {
    return CompletableFuture.allOf(sendEach(channel, kind, texts, onEcho).toArray(CompletableFuture[]::new));
  }

  /** As {@link #send(ChannelName, MessageKind, List, Consumer)}, with one future per line, in order. */
  public List<CompletableFuture<Void>> sendEach(ChannelName channel, MessageKind kind, List<String> texts,
      Consumer<Optional<String>> onEcho) {
    List<CompletableFuture<Void>> all = new ArrayList<>(texts.size());
    boolean heldAny = false;
    synchronized (this) {
      Optional<DeliveryRefused> cannotConnect = attempts.refusal().filter(r -> !registered);
      if (cannotConnect.isPresent()) {
        return List.of(CompletableFuture.failedFuture(cannotConnect.get()));
      }
      String key = channel.key();
      JoinRefusals.Next next = joined.contains(key) ? JoinRefusals.Next.GO : refusals.next(key);
      if (next == JoinRefusals.Next.FAIL) {
        return List.of(CompletableFuture.failedFuture(refusals.error(key))); // in its back-off: no JOIN, no wait
      }
      if (next == JoinRefusals.Next.JOIN_AGAIN) {
        // The channel may be open by now: one JOIN, and these lines wait for its answer.
        namesByKey.put(key, channel.value());
        wanted.add(key);
        if (registered) {
          addChannel(channel.value());
        }
      }
      join(channel);
      for (String text : texts) {
        OutgoingLine out = line(kind, text, onEcho);
        all.add(out.sent);
        if (joined.contains(key) && !held.waitFor(key)) {
          lines.write(channel.value(), out);
        } else {
          held.hold(key, out);
          heldAny = true;
        }
      }
      if (heldAny && registered) {
        awaitJoinAnswer(key);
      }
    }
    return all;
  }

  /**
   * Sends message texts to {@code nick} (a private message) once we are registered. Each text must already be one
   * safe line; {@code nick} must be a valid nick.
   */
  public CompletableFuture<Void> sendPrivate(String nick, MessageKind kind, List<String> texts) {
    if (!PuppetNick.isValid(nick)) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("not a valid IRC nick: " + nick));
    }
    List<CompletableFuture<Void>> all = new ArrayList<>(texts.size());
    synchronized (this) {
      Optional<DeliveryRefused> cannotConnect = attempts.refusal().filter(r -> !registered);
      if (cannotConnect.isPresent()) {
        return CompletableFuture.failedFuture(cannotConnect.get());
      }
      for (String text : texts) {
        OutgoingLine out = line(kind, text, null);
        all.add(out.sent);
        if (registered && !held.anyPrivate()) {
          lines.write(nick, out);
        } else {
          held.holdPrivate(nick, out);
        }
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /**
   * The channel user modes ({@code o}, {@code v}, ...) {@code nick} has in {@code channel} as this connection saw
   * them; empty when we are not in the channel or do not see {@code nick} there.
   */
  public Optional<String> userModes(ChannelName channel, String nick) {
    return client.getChannel(channel.value()).flatMap(c -> c.getUserModes(nick)).map(modes -> {
      StringBuilder b = new StringBuilder();
      modes.forEach(m -> b.append(m.getChar()));
      return b.toString();
    });
  }

  /** The channels this connection is in or joining, and joins again after a reconnect. */
  public synchronized List<ChannelName> wantedChannels() {
    return wanted.stream().map(k -> new ChannelName(namesByKey.get(k))).toList();
  }

  /** Whether messages are still waiting for a registration or a join, or to be written. */
  public synchronized boolean hasHeldMessages() {
    return !held.isEmpty() || lines.pending() > 0;
  }

  /** Asks the server for {@code channel}'s member list again (the answer arrives as {@link IrcEvent.Present}). */
  public synchronized void refreshNames(ChannelName channel) {
    if (registered) {
      client.sendRawLine("NAMES " + channel.value());
    }
  }

  /**
   * Lines are held for {@code key} while we are registered, so a JOIN is on its way: when neither the channel nor a
   * refusal answers it in {@link #JOIN_ANSWER_WAIT}, the lines fail as refused rather than hold the room's lane.
   */
  private void awaitJoinAnswer(String key) {
    scheduler.schedule(() -> {
      boolean unanswered;
      synchronized (this) {
        unanswered = registered && !stopped && !joined.contains(key) && held.waitFor(key);
      }
      if (unanswered) {
        joinRefused(namesByKey.getOrDefault(key, key), 0, "the server did not answer our JOIN");
      }
    }, JOIN_ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The server will not let us into {@code channel}: every line held for it fails with a {@link DeliveryRefused}
   * (its user is told, the room goes on), and lines sent during the back-off fail at once (see {@link JoinRefusals}).
   */
  void joinRefused(String channel, int numeric, String why) {
    String key = ChannelName.parse(channel).map(ChannelName::key).orElse(channel);
    List<OutgoingLine> failed;
    DeliveryRefused error;
    List<CompletableFuture<Void>> inWaiting;
    synchronized (this) {
      error = refusals.refused(key, namesByKey.getOrDefault(key, channel), numeric, why);
      if (role == ConnectionRole.PUPPET) {
        // Not again after every reconnect: only when its user speaks here again, after the back-off.
        wanted.remove(key);
      }
      failed = held.take(key);
      inWaiting = held.takeWaiters(key);
    }
    failed.forEach(o -> o.sent.completeExceptionally(error));
    inWaiting.forEach(in -> in.complete(null));
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
        held.holdTopic(channel.key(), line);
      }
    }
  }

  /** Leaves a channel (and stops wanting it). */
  public synchronized void part(ChannelName channel, String reason) {
    wanted.remove(channel.key());
    held.forgetTopic(channel.key());
    if (joined.contains(channel.key())) {
      client.removeChannel(channel.value(), reason.replaceAll("\\p{Cntrl}", " "));
    }
  }

  /** Room for {@code TOPIC <channel> :} and the server's relay prefix within 512 bytes. */
  private static final int TOPIC_BUDGET = 300;

  /** The nick we have or are asking for right now. */
  public String nick() {
    return nick.current();
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

  /**
   * For the connections gauge: {@code connected} (registered), {@code connecting} (first attempt), {@code
   * reconnecting} (lost or failed, another attempt scheduled) or {@code stopped}.
   */
  public synchronized String connectionState() {
    return stopped ? "stopped" : registered ? "connected" : attempts.none() ? "connecting" : "reconnecting";
  }

  /** Whether we are in {@code channel} right now. */
  public synchronized boolean isIn(ChannelName channel) {
    return joined.contains(channel.key());
  }

  /**
   * Quits for good. Messages not yet written fail as {@link RemoteUnavailableException}:
   * their events are held and run again (through a new connection), never dropped.
   */
  public void stop(String reason) {
    List<OutgoingLine> dropped;
    List<CompletableFuture<Void>> inWaiting;
    synchronized (this) {
      stopped = true;
      inWaiting = held.takeAllWaiters();
      dropped = held.takeAll();
    }
    RuntimeException stoppedError = new RemoteUnavailableException(
        "IRC connection stopped");
    dropped.forEach(o -> o.sent.completeExceptionally(stoppedError));
    inWaiting.forEach(in -> in.complete(null));
    lines.stopped(stoppedError);
    try {
      client.shutdown(reason);
    } catch (RuntimeException e) {
      log.debug("IRC {} ({}): shutdown: {}", network.id(), nick(), e.toString());
    }
    if (ownSockets != null) {
      ownSockets.close();
    }
  }

  private void scheduleReconnect(String reason) {
    ConnectAttempts.Retry retry;
    List<OutgoingLine> failed = List.of();
    synchronized (this) {
      if (stopped) {
        return;
      }
      retry = attempts.failed(reason);
      if (retry.failHeld().isPresent()) {
        failed = held.takeAll();
      }
    }
    failed.forEach(o -> o.sent.completeExceptionally(retry.failHeld().get()));
    Duration delay = retry.delay();
    log.info("IRC {} ({}): {}; reconnecting in {} ms", network.id(), nick(), reason, delay.toMillis());
    events.accept(new IrcEvent.Disconnected(reason, delay));
    scheduler.schedule(() -> blocking.execute(this::connectNow), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  // What the Kitteh listener reports about this connection's own state (see KittehListener).

  /** Registered: the channels we want are joined again and held private lines go out. */
  void registered() {
    String current;
    synchronized (this) {
      registered = true;
      attempts.succeeded();
      current = client.getNick();
      nick.is(current);
      for (String key : wanted) {
        addChannel(namesByKey.get(key));
        if (held.waitFor(key)) {
          awaitJoinAnswer(key);
        }
      }
      held.takePrivate().forEach(p -> lines.write(p.nick(), p.line()));
    }
    events.accept(new IrcEvent.Registered(current));
  }

  /** The server refused the nick we asked for with {@code numeric}: the next one to ask for. */
  String nickRejected(String numeric) {
    return nick.rejected(numeric);
  }

  /** The server took our nick change. */
  void nickChangedTo(String now) {
    nick.is(now);
  }

  /** The connection ended; our own scheduler reconnects, so that the DNS lookup never runs on the event loop. */
  void connectionEnded(String reason) {
    synchronized (this) {
      registered = false;
      joined.clear();
      refusals.disconnected();
    }
    // Lines still held for a JOIN wait for it after the reconnect.
    lines.lost();
    scheduleReconnect(reason);
  }

  /** We are in {@code channel}: the lines and the topic held for it go out, and {@link #whenIn} callers go on. */
  void selfJoined(String channel, String ourNick) {
    List<CompletableFuture<Void>> inWaiting;
    synchronized (this) {
      String key = ChannelName.parse(channel).map(ChannelName::key).orElse(channel);
      joined.add(key);
      refusals.joined(key);
      inWaiting = held.takeWaiters(key);
      held.take(key).forEach(out -> lines.write(channel, out));
      held.takeTopic(key).ifPresent(topic -> new TopicCommand(client, channel).topic(topic).execute());
    }
    events.accept(new IrcEvent.Joined(channel, ourNick, true));
    inWaiting.forEach(in -> in.complete(null));
  }

  /** We left {@code channel} or were kicked from it: the bot joins again after the first reconnect delay. */
  void selfLeft(String channel, Optional<String> kickedBy) {
    String key = ChannelName.parse(channel).map(ChannelName::key).orElse(channel);
    synchronized (this) {
      joined.remove(key);
      if (kickedBy.isEmpty() || role == ConnectionRole.PUPPET) {
        // Not in the channel any more until asked again (a puppet's next message joins again).
        wanted.remove(key);
      }
    }
    if (kickedBy.isPresent() && role == ConnectionRole.BOT) {
      Duration delay = backoff.delay(0);
      log.info("IRC {} ({}): kicked from {} by {}; joining again in {} ms", network.id(), nick(), channel,
          kickedBy.get(), delay.toMillis());
      scheduler.schedule(() -> {
        synchronized (this) {
          if (!stopped && registered && wanted.contains(key) && !joined.contains(key)) {
            addChannel(namesByKey.getOrDefault(key, channel));
          }
        }
      }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  String networkId() {
    return network.id();
  }
}
