package dev.switchboard.irc.network;

import dev.switchboard.core.connector.RemoteUnavailableException;
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
import java.util.function.BooleanSupplier;
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
import org.kitteh.irc.client.library.event.channel.ChannelModeEvent;
import org.kitteh.irc.client.library.event.client.ClientReceiveNumericEvent;
import org.kitteh.irc.client.library.event.capabilities.CapabilitiesSupportedListEvent;
import org.kitteh.irc.client.library.event.batch.ClientBatchEndEvent;
import org.kitteh.irc.client.library.event.user.PrivateCtcpQueryEvent;
import org.kitteh.irc.client.library.event.user.PrivateMessageEvent;
import org.kitteh.irc.client.library.event.user.PrivateNoticeEvent;
import org.kitteh.irc.client.library.event.user.WhoisEvent;
import org.kitteh.irc.client.library.command.KickCommand;
import org.kitteh.irc.client.library.command.WhoisCommand;
import org.kitteh.irc.client.library.element.Channel;
import org.kitteh.irc.client.library.element.mode.ChannelUserMode;
import org.kitteh.irc.client.library.element.mode.ModeStatus;
import org.kitteh.irc.client.library.feature.filter.NumericFilter;
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
import org.kitteh.irc.client.library.event.user.UserAwayMessageEvent;
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
  private final SaslLogin sasl;
  private final EchoTracker echoes;
  /** Each message line from its hand-off to Kitteh until it is on the socket (see {@link WrittenLines}). */
  private final WrittenLines wire = new WrittenLines();
  /** Our sockets when the caller gave none (tests): {@link WrittenLines} needs a hook in each socket's pipeline. */
  private final OutgoingConnections ownSockets;
  /** Kitteh's queue for ordinary lines (the flood queue), set when Kitteh builds the client. */
  private volatile ScheduledSendQueue sendQueue;
  private volatile java.util.function.Function<ChannelName, Optional<String>> channelKeys = c -> Optional.empty();
  private volatile BooleanSupplier networkUp = () -> false;

  // Guarded by this.
  private final Set<String> wanted = new HashSet<>();
  private final Map<String, String> namesByKey = new HashMap<>();
  private final Set<String> joined = new HashSet<>();
  private final Map<String, Queue<Outgoing>> held = new HashMap<>();
  private final Map<String, String> pendingTopics = new HashMap<>();
  private final Queue<PrivateOut> heldPrivate = new ArrayDeque<>();
  private final Map<String, boolean[]> access = new HashMap<>();
  private final Map<String, List<CompletableFuture<String>>> whoisWaiting = new HashMap<>();
  private final JoinRefusals refusals;
  /** Callers of {@link #whenIn} waiting for our JOIN to a channel, by channel key. */
  private final Map<String, List<CompletableFuture<Void>>> inWaiters = new HashMap<>();
  /** Set while this connection keeps failing although the network is up (see {@link #useNetworkCheck}). */
  private DeliveryRefused cannotConnect;
  private boolean registered;
  private boolean stopped;
  private int attempt;
  private int nickAttempt;
  private int limit;
  private String nick;

  /**
   * How long a line may wait for an answer to its channel's JOIN: a server that neither lets us in nor says why must
   * not hold the room's lane for ever.
   */
  static final Duration JOIN_ANSWER_WAIT = Duration.ofSeconds(30);

  /**
   * How long a written line waits for its {@code echo-message} echo before it counts as delivered anyway (a server
   * that does not echo some lines must not hold their events for ever).
   */
  static final Duration ECHO_WAIT = Duration.ofSeconds(30);

  /**
   * One message line: held, then handed to Kitteh, then written to the socket (and echoed, with echo-message).
   * {@code sent} completes only at the end of that path; see DESIGN.md "Data flow and guarantees" 3.
   */
  private final class Outgoing implements WrittenLines.Line, EchoTracker.Awaiting {
    final MessageKind kind;
    final String text;
    final CompletableFuture<Void> sent = new CompletableFuture<>();
    final Consumer<Optional<String>> onEcho;
    volatile boolean awaitEcho;
    volatile String target = "";

    Outgoing(MessageKind kind, String text, Consumer<Optional<String>> onEcho) {
      this.kind = kind;
      this.text = text;
      this.onEcho = onEcho;
    }

    @Override
    public void written() {
      if (!awaitEcho) {
        sent.complete(null);
        return;
      }
      scheduler.schedule(() -> {
        if (sent.complete(null)) {
          log.warn("IRC {} ({}): no echo for a line within {} s; counting it as delivered", network.id(), nick(),
              ECHO_WAIT.toSeconds());
        }
      }, ECHO_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void failed(Throwable cause) {
      sent.completeExceptionally(new RemoteUnavailableException(
          "the IRC connection was lost before the line was written", cause));
    }

    @Override
    public void echoed(Optional<String> msgId) {
      if (onEcho != null) {
        try {
          onEcho.accept(msgId);
        } catch (RuntimeException e) {
          log.warn("IRC {} ({}): handling an echo failed: {}", network.id(), nick(), e.toString());
        }
      }
      sent.complete(null);
    }

    @Override
    public void refused(String why) {
      sent.completeExceptionally(new DeliveryRefused(DeliveryRefused.Stage.LINE, target, 404, reason(why), 0));
    }

    @Override
    public void dropped() {
      sent.completeExceptionally(new RemoteUnavailableException(
          "the IRC connection was lost before the server confirmed the line"));
    }

    private String reason(String why) {
      String clean = why.replaceAll("\\p{Cntrl}", "").strip();
      return clean.isEmpty() ? "cannot send to channel" : clean;
    }
  }

  private record PrivateOut(String nick, Outgoing out) {}

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

  /** As above, for the given role, with sockets from Kitteh's own network handler. */
  public IrcConnection(NetworkConfig network, Identity identity, int nickLength, Backoff backoff,
      ScheduledExecutorService scheduler, Executor blocking, Consumer<IrcEvent> events, Role role) {
    this(network, identity, nickLength, backoff, scheduler, blocking, events, role, null);
  }

  /**
   * As above, with its socket opened by {@code sockets} (the bridge's event loop group, and known to its identd);
   * {@code null} for Kitteh's own network handler.
   */
  public IrcConnection(NetworkConfig network, Identity identity, int nickLength, Backoff backoff,
      ScheduledExecutorService scheduler, Executor blocking, Consumer<IrcEvent> events, Role role,
      OutgoingConnections sockets) {
    this.role = role;
    this.network = network;
    this.identity = identity;
    this.backoff = backoff;
    this.scheduler = scheduler;
    this.blocking = blocking;
    this.events = events;
    this.limit = nickLength;
    this.refusals = new JoinRefusals(System::nanoTime, n -> backoff.delay((int) n).toNanos());
    this.nick = PuppetNick.candidate(identity.nick(), 0, nickLength);
    Client.Builder.Server server = Client.builder()
        .name(network.id() + ":" + identity.nick())
        .nick(nick)
        .user(identity.user())
        .realName(identity.realName())
        .server()
            .host(network.host())
            .port(network.port(), network.tls() ? Client.Builder.Server.SecurityType.SECURE
                : Client.Builder.Server.SecurityType.INSECURE)
            .password(network.password().orElse(null));
    ConnectionSecurity security = network.security();
    if (network.tls()) {
      security.pinnedTrust().ifPresent(server::secureTrustManagerFactory);
      if (role == Role.BOT && security.clientCert().isPresent()) {
        server.secureKeyCertChain(security.clientCert().get()).secureKey(security.clientKey().get());
      }
    }
    Client.Builder built = server.then()
        // Kitteh's exception listener is a thread per client; handler failures are logged by the event manager.
        .listeners()
            .exception(null)
            .then()
        // One shared scheduler and a synchronous event bus instead of a delay-sender thread and two event
        // dispatcher threads per client (see ScheduledSendQueue, InlineEventManager).
        .management()
            .messageSendingQueueSupplier(c -> sendQueue = new ScheduledSendQueue(network.flood(), scheduler))
            .eventManager(InlineEventManager::new)
            // The bot follows every channel member; a puppet only itself (see SelfOnlyActorTracker).
            .actorTracker(c -> role == Role.BOT ? new DefaultActorTracker(c) : new SelfOnlyActorTracker(c))
            .then();
    // Always our own sockets: only there can a line's socket write be seen (WrittenLines).
    this.ownSockets = sockets == null ? new OutgoingConnections(1) : null;
    built.management().networkHandler((sockets != null ? sockets : ownSockets).as(identity.user(), wire));
    this.client = built.build();
    client.getEventManager().registerEventListener(new KittehListener());
    this.sasl = new SaslLogin(network.id(), this::nick);
    this.echoes = new EchoTracker(network.id(), this::nick);
    client.getEventManager().registerEventListener(sasl.new Listener());
    if (role == Role.BOT) {
      security.sasl().ifPresent(s -> {
        boolean plain = s.mechanism() == ConnectionSecurity.Mechanism.PLAIN;
        sasl.configure(plain ? "PLAIN" : "EXTERNAL", s.account().orElse(null));
        client.getAuthManager().addProtocol(plain
            ? new org.kitteh.irc.client.library.feature.auth.SaslPlain(client, s.account().orElseThrow(),
                s.password().orElseThrow())
            : new org.kitteh.irc.client.library.feature.auth.SaslExternal(client));
      });
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
   * per-host connection limit): while {@code up} is true and {@link #CONNECT_ATTEMPTS} attempts in a row failed, the
   * lines waiting for registration fail as {@link DeliveryRefused}, so their user is told and the room goes on. A
   * puppet passes its network's bot; without a check every failure counts as an outage.
   */
  public void useNetworkCheck(BooleanSupplier up) {
    this.networkUp = up;
  }

  /** Failed connection attempts in a row after which a connection alone failing is its user's failure. */
  static final int CONNECT_ATTEMPTS = 3;

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
        .anyMatch(c -> c.getName().equalsIgnoreCase(ECHO_MESSAGE));
  }

  /** Lines the server confirmed by echoing them ({@code echo-message}) since this connection was made. */
  public long confirmedLines() {
    return echoes.confirmed();
  }

  /** Lines written and not yet echoed back ({@code echo-message}). */
  public int unconfirmedLines() {
    return echoes.unconfirmed();
  }

  private static final String ECHO_MESSAGE = "echo-message";

  /** What SASL gave this connection (see {@link SaslLogin}). */
  public SaslLogin sasl() {
    return sasl;
  }

  /**
   * Logs in with SASL PLAIN when the server offers {@code sasl} (Kitteh requests the capability and answers the
   * exchange). Call before {@link #connect()}. The password is never logged.
   */
  public void useSaslPlain(String account, String password) {
    sasl.configure("PLAIN", account);
    client.getAuthManager().addProtocol(new org.kitteh.irc.client.library.feature.auth.SaslPlain(client, account,
        password));
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
    CompletableFuture<Void> in = new CompletableFuture<>();
    inWaiters.computeIfAbsent(key, k -> new ArrayList<>()).add(in);
    return in;
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
      if (cannotConnect != null && !registered) {
        return List.of(CompletableFuture.failedFuture(cannotConnect));
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
        Outgoing out = new Outgoing(kind, text, onEcho);
        all.add(out.sent);
        if (joined.contains(key) && held.getOrDefault(key, new ArrayDeque<>()).isEmpty()) {
          write(channel.value(), out);
        } else {
          held.computeIfAbsent(key, k -> new ArrayDeque<>()).add(out);
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
      if (cannotConnect != null && !registered) {
        return CompletableFuture.failedFuture(cannotConnect);
      }
      for (String text : texts) {
        Outgoing out = new Outgoing(kind, text, null);
        all.add(out.sent);
        if (registered && heldPrivate.isEmpty()) {
          write(nick, out);
        } else {
          heldPrivate.add(new PrivateOut(nick, out));
        }
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /** Kicks {@code nick} from {@code channel} (needs ops there; the server refuses otherwise). */
  public synchronized void kick(ChannelName channel, String nick, String reason) {
    if (!PuppetNick.isValid(nick)) {
      throw new IllegalArgumentException("not a valid IRC nick: " + nick);
    }
    new KickCommand(client, channel.value()).target(nick).reason(oneLine(reason, 200)).execute();
  }

  /** Bans {@code nick!*@*} in {@code channel} (needs ops there). */
  public synchronized void ban(ChannelName channel, String nick) {
    if (!PuppetNick.isValid(nick)) {
      throw new IllegalArgumentException("not a valid IRC nick: " + nick);
    }
    client.sendRawLine("MODE " + channel.value() + " +b " + nick + "!*@*");
  }

  /** Lifts the ban {@code mask} in {@code channel} (needs ops there); {@code mask} must be one safe parameter. */
  public synchronized void unban(ChannelName channel, String mask) {
    if (!BanMask.isSafe(mask)) {
      throw new IllegalArgumentException("not a ban mask we can send: " + mask.replaceAll("\\p{Cntrl}", "?"));
    }
    client.sendRawLine("MODE " + channel.value() + " -b " + mask);
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
    return !heldPrivate.isEmpty() || held.values().stream().anyMatch(q -> !q.isEmpty()) || wire.pending() > 0;
  }

  /** Asks the server for {@code channel}'s member list again (the answer arrives as {@link IrcEvent.Present}). */
  public synchronized void refreshNames(ChannelName channel) {
    if (registered) {
      client.sendRawLine("NAMES " + channel.value());
    }
  }

  /** Asks for another nick (the server may refuse it: then the old one stays). */
  public synchronized void changeNick(String wantedNick) {
    if (!PuppetNick.isValid(wantedNick)) {
      throw new IllegalArgumentException("not a valid IRC nick: " + wantedNick);
    }
    client.setNick(wantedNick);
  }

  /**
   * Sends one raw command line. The caller has checked that it is a command users may send; here we only make sure it
   * is one line.
   */
  public synchronized void sendRaw(String line) {
    if (line.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0) || IrcLines.utf8Length(line) > 450) {
      throw new IllegalArgumentException("a raw IRC command must be one line of at most 450 bytes");
    }
    client.sendRawLine(line);
  }

  /**
   * WHOIS {@code nick}: completes with a short readable answer, or fails after {@code timeout} (servers answer an
   * unknown nick with 401, which Kitteh does not turn into an event).
   */
  public CompletableFuture<String> whois(String target, Duration timeout) {
    if (!PuppetNick.isValid(target)) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("not a valid IRC nick: " + target));
    }
    CompletableFuture<String> answer = new CompletableFuture<>();
    synchronized (this) {
      whoisWaiting.computeIfAbsent(PuppetNick.key(target), k -> new ArrayList<>()).add(answer);
      new WhoisCommand(client).target(target).execute();
    }
    return answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static String oneLine(String text, int maxBytes) {
    String safe = text.replaceAll("[\\p{Cntrl}\u0085\u2028\u2029]+", " ").strip();
    List<String> cut = IrcLines.split(safe.isEmpty() ? "-" : safe, maxBytes);
    return cut.isEmpty() ? "-" : cut.get(0);
  }

  /**
   * Hands one line to Kitteh (its flood queue); {@code out.sent} completes once Netty has written it to the socket
   * or, with echo-message, once the server echoed it. The raw line is built here, not by Kitteh's {@code
   * sendMessage}, so that this exact String instance is what {@link WrittenLines} waits for.
   */
  private void write(String target, Outgoing out) {
    String raw = switch (out.kind) {
      case TEXT -> "PRIVMSG " + target + " :" + out.text;
      case NOTICE -> "NOTICE " + target + " :" + out.text;
      case EMOTE -> "PRIVMSG " + target + " :\u0001ACTION " + out.text + "\u0001";
    };
    out.target = target;
    out.awaitEcho = echoMessage();
    // Registered before the hand-off: the write, and the echo, can happen before sendRawLine returns.
    wire.expect(raw, out);
    if (out.awaitEcho) {
      echoes.written(target, out);
    }
    try {
      if (target.isEmpty() || target.indexOf(' ') >= 0) {
        throw new IllegalArgumentException("not a valid IRC target: " + target.replaceAll("\\p{Cntrl}", "?"));
      }
      client.sendRawLine(raw);
    } catch (RuntimeException e) {
      wire.forget(List.of(raw));
      echoes.forget(out);
      out.sent.completeExceptionally(e);
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
        Queue<Outgoing> waiting = held.get(key);
        unanswered = registered && !stopped && !joined.contains(key) && waiting != null && !waiting.isEmpty();
      }
      if (unanswered) {
        refused(namesByKey.getOrDefault(key, key), 0, "the server did not answer our JOIN");
      }
    }, JOIN_ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The server will not let us into {@code channel}: every line held for it fails with a {@link DeliveryRefused}
   * (its user is told, the room goes on), and lines sent during the back-off fail at once (see {@link JoinRefusals}).
   */
  private void refused(String channel, int numeric, String why) {
    String key = ChannelName.parse(channel).map(ChannelName::key).orElse(channel);
    List<Outgoing> failed;
    DeliveryRefused error;
    List<CompletableFuture<Void>> inWaiting;
    synchronized (this) {
      error = refusals.refused(key, namesByKey.getOrDefault(key, channel), numeric, why);
      if (role == Role.PUPPET) {
        // Not again after every reconnect: only when its user speaks here again, after the back-off.
        wanted.remove(key);
      }
      Queue<Outgoing> waiting = held.remove(key);
      failed = waiting == null ? List.of() : new ArrayList<>(waiting);
      inWaiting = inWaiters.remove(key);
    }
    failed.forEach(o -> o.sent.completeExceptionally(error));
    if (inWaiting != null) {
      inWaiting.forEach(in -> in.complete(null));
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

  /**
   * For the connections gauge: {@code connected} (registered), {@code connecting} (first attempt), {@code
   * reconnecting} (lost or failed, another attempt scheduled) or {@code stopped}.
   */
  public synchronized String connectionState() {
    return stopped ? "stopped" : registered ? "connected" : attempt == 0 ? "connecting" : "reconnecting";
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
    List<Outgoing> dropped = new ArrayList<>();
    List<CompletableFuture<Void>> inWaiting = new ArrayList<>();
    synchronized (this) {
      stopped = true;
      inWaiters.values().forEach(inWaiting::addAll);
      inWaiters.clear();
      held.values().forEach(dropped::addAll);
      held.clear();
      heldPrivate.forEach(p -> dropped.add(p.out()));
      heldPrivate.clear();
    }
    RuntimeException stoppedError = new RemoteUnavailableException(
        "IRC connection stopped");
    dropped.forEach(o -> o.sent.completeExceptionally(stoppedError));
    inWaiting.forEach(in -> in.complete(null));
    wire.lost(stoppedError);
    echoes.dropped();
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
    Duration delay;
    List<Outgoing> failed = new ArrayList<>();
    DeliveryRefused error = null;
    synchronized (this) {
      if (stopped) {
        return;
      }
      delay = backoff.delay(attempt++);
      if (attempt >= CONNECT_ATTEMPTS && networkUp.getAsBoolean()) {
        if (cannotConnect == null) {
          cannotConnect = new DeliveryRefused(DeliveryRefused.Stage.CONNECT, "IRC", 0,
              "the bridge cannot connect you (" + reason.replaceAll("\\p{Cntrl}", "?") + ")", refusals.newEpisode());
        }
        error = cannotConnect;
        held.values().forEach(failed::addAll);
        held.clear();
        heldPrivate.forEach(p -> failed.add(p.out()));
        heldPrivate.clear();
      }
    }
    if (error != null) {
      DeliveryRefused refusal = error;
      failed.forEach(o -> o.sent.completeExceptionally(refusal));
    }
    log.info("IRC {} ({}): {}; reconnecting in {} ms", network.id(), nick(), reason, delay.toMillis());
    events.accept(new IrcEvent.Disconnected(reason, delay));
    scheduler.schedule(() -> blocking.execute(this::connectNow), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Optional<String> tag(ServerMessage source, String name) {
    return source.getTag(name).flatMap(MessageTag::getValue);
  }

  /**
   * The services account of a message's sender: the IRCv3 {@code account} tag ({@code account-tag}), else what Kitteh
   * tracked from {@code extended-join}, {@code account-notify} and WHOX; {@code *} means none.
   */
  private static Optional<String> account(User actor, ServerMessage source) {
    return tag(source, "account").or(actor::getAccount)
        .filter(a -> !a.equals("*") && !a.isEmpty() && a.length() <= 64
            && a.chars().noneMatch(Character::isISOControl));
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
        cannotConnect = null;
        nick = client.getNick();
        current = nick;
        for (String key : wanted) {
          addChannel(namesByKey.get(key));
          if (!held.getOrDefault(key, new ArrayDeque<>()).isEmpty()) {
            awaitJoinAnswer(key);
          }
        }
        while (!heldPrivate.isEmpty()) {
          PrivateOut p = heldPrivate.poll();
          write(p.nick(), p.out());
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
        refusals.disconnected();
      }
      // Lines handed to Kitteh but not written fail now (their events are held and run again) and never go out on
      // the next connection; lines still held for a JOIN wait for it after the reconnect.
      wire.lost(new RemoteUnavailableException("the IRC connection was lost"));
      ScheduledSendQueue queue = sendQueue;
      if (queue != null) {
        wire.forget(queue.discard(wire::isCancelled));
      }
      echoes.dropped();
      scheduleReconnect(e.getCause().map(Throwable::toString).orElse("connection closed"));
    }

    @Handler
    public void joined(ChannelJoinEvent e) {
      String channel = e.getChannel().getName();
      boolean self = hasNick(e.getActor().getNick());
      if (self) {
        List<Outgoing> flush;
        List<CompletableFuture<Void>> inWaiting;
        synchronized (IrcConnection.this) {
          String key = ChannelName.parse(channel).map(ChannelName::key).orElse(channel);
          joined.add(key);
          refusals.joined(key);
          inWaiting = inWaiters.remove(key);
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
        events.accept(new IrcEvent.Joined(channel, e.getActor().getNick(), true));
        if (inWaiting != null) {
          inWaiting.forEach(in -> in.complete(null));
        }
        return;
      }
      events.accept(new IrcEvent.Joined(channel, e.getActor().getNick(), false));
    }

    @Handler
    public void names(ChannelNamesUpdatedEvent e) {
      Channel channel = e.getChannel();
      Map<String, String> modes = new HashMap<>();
      for (String n : channel.getNicknames()) {
        channel.getUserModes(n).filter(m -> !m.isEmpty()).ifPresent(m -> {
          StringBuilder b = new StringBuilder();
          m.forEach(mode -> b.append(mode.getChar()));
          modes.put(n, b.toString());
        });
      }
      events.accept(new IrcEvent.Present(channel.getName(), List.copyOf(channel.getNicknames()), modes));
    }

    /** Our own MODE #channel query's answer (324): the channel's modes when we join. */
    @NumericFilter(324)
    @Handler
    public void channelModes(ClientReceiveNumericEvent e) {
      List<String> params = e.getParameters();
      if (params.size() < 3) {
        return;
      }
      String modes = params.get(2);
      access(params.get(1), modes.indexOf('i') >= 0, modes.indexOf('k') >= 0, true);
    }

    private void access(String channel, boolean inviteOnly, boolean keyed, boolean always) {
      String key = ChannelName.parse(channel).map(ChannelName::key).orElse(channel);
      boolean changed;
      synchronized (IrcConnection.this) {
        boolean[] now = access.computeIfAbsent(key, k -> new boolean[2]);
        changed = now[0] != inviteOnly || now[1] != keyed;
        now[0] = inviteOnly;
        now[1] = keyed;
      }
      if (changed || always) {
        events.accept(new IrcEvent.ChannelAccess(channel, inviteOnly, keyed));
      }
    }

    @Handler
    public void modes(ChannelModeEvent e) {
      String channel = e.getChannel().getName();
      Actor by = e.getActor();
      String byName = by instanceof User u ? u.getNick() : by.getName();
      List<IrcEvent.UserModeChange> userModes = new ArrayList<>();
      boolean[] current;
      synchronized (IrcConnection.this) {
        boolean[] known = access.get(ChannelName.parse(channel).map(ChannelName::key).orElse(channel));
        current = known == null ? new boolean[2] : known.clone();
      }
      boolean accessTouched = false;
      for (ModeStatus<?> status : e.getStatusList().getAll()) {
        boolean add = status.getAction() == ModeStatus.Action.ADD;
        char mode = status.getMode().getChar();
        if (status.getMode() instanceof ChannelUserMode && status.getParameter().isPresent()) {
          userModes.add(new IrcEvent.UserModeChange(add, mode, status.getParameter().get()));
        } else if (mode == 'i' || mode == 'k') {
          current[mode == 'i' ? 0 : 1] = add;
          accessTouched = true;
          if (mode == 'k') {
            events.accept(new IrcEvent.ChannelKeyChanged(channel, add ? status.getParameter()
                .filter(ChannelKey::isValid) : Optional.empty(), byName));
          }
        } else if (mode == 'b' && add && status.getParameter().isPresent()) {
          String mask = status.getParameter().get();
          List<String> matching = e.getChannel().getUsers().stream()
              .filter(u -> BanMask.matches(mask, u.getNick(), u.getUserString(), u.getHost()))
              .map(User::getNick).toList();
          events.accept(new IrcEvent.Banned(channel, byName, mask, matching));
        } else if (mode == 'b' && status.getParameter().isPresent()) {
          events.accept(new IrcEvent.Unbanned(channel, byName, status.getParameter().get()));
        }
      }
      if (!userModes.isEmpty()) {
        events.accept(new IrcEvent.UserModesChanged(channel, byName, userModes));
      }
      if (accessTouched) {
        access(channel, current[0], current[1], false);
      }
    }

    @Handler
    public void privateMessage(PrivateMessageEvent e) {
      if (ownEcho(e.getActor().getNick(), e.getTarget(), e.getSource())) {
        return;
      }
      privately(e.getActor().getNick(), MessageKind.TEXT, e.getMessage(), e.getSource());
    }

    @Handler
    public void privateNotice(PrivateNoticeEvent e) {
      if (ownEcho(e.getActor().getNick(), e.getTarget(), e.getSource())) {
        return;
      }
      privately(e.getActor().getNick(), MessageKind.NOTICE, e.getMessage(), e.getSource());
    }

    @Handler
    public void privateCtcp(PrivateCtcpQueryEvent e) {
      if (ownEcho(e.getActor().getNick(), e.getTarget(), e.getSource())) {
        return;
      }
      String body = e.getMessage();
      if (body.startsWith("ACTION ")) {
        privately(e.getActor().getNick(), MessageKind.EMOTE, body.substring("ACTION ".length()), e.getSource());
      }
    }

    /** An echo of a private line we sent ({@code echo-message}): confirmed, never relayed as a DM. */
    private boolean ownEcho(String from, String target, ServerMessage source) {
      if (!hasNick(from)) {
        return false;
      }
      echoes.echoed(target, tag(source, "msgid"));
      return true;
    }

    /**
     * The end of an IRCv3 batch. Kitteh holds a batch's lines and replays them as ordinary events right after this, so
     * a {@code netsplit} / {@code netjoin} batch is announced first, with the nicks it holds.
     */
    @Handler
    public void batchEnded(ClientBatchEndEvent e) {
      String type = e.getReferenceTag().getType().toLowerCase(java.util.Locale.ROOT);
      boolean netjoin = type.equals("netjoin");
      if (!netjoin && !type.equals("netsplit")) {
        return;
      }
      String command = netjoin ? "JOIN" : "QUIT";
      List<String> nicks = new ArrayList<>();
      for (var held : e.getReferenceTag().getEvents()) {
        if (held.getCommand().equalsIgnoreCase(command)) {
          Actor actor = held.getActor();
          String name = actor instanceof User u ? u.getNick() : actor.getName();
          int bang = name.indexOf('!');
          nicks.add(bang > 0 ? name.substring(0, bang) : name);
        }
      }
      events.accept(new IrcEvent.SplitBatch(netjoin, e.getReferenceTag().getParameters(), nicks));
    }

    /** Asks for {@code echo-message} when the server offers it (Kitteh does not by default). */
    @Handler
    public void capabilitiesOffered(CapabilitiesSupportedListEvent e) {
      if (e.isNegotiating() && e.getSupportedCapabilities().stream()
          .anyMatch(c -> c.getName().equalsIgnoreCase(ECHO_MESSAGE))) {
        e.addRequest(ECHO_MESSAGE);
        e.setEndingNegotiation(false);
      }
    }

    /** 404: a line to a channel was refused (moderated, banned, not joined); it will not be echoed. */
    @NumericFilter(404)
    @Handler
    public void cannotSend(ClientReceiveNumericEvent e) {
      List<String> params = e.getParameters();
      if (params.size() < 2) {
        return;
      }
      String why = params.size() >= 3 ? params.get(2) : "404";
      if (echoMessage()) {
        echoes.refused(params.get(1), why);
      } else {
        events.accept(new IrcEvent.LineRefused(params.get(1), why.replaceAll("\\p{Cntrl}", "")));
      }
    }

    private void privately(String from, MessageKind kind, String text, ServerMessage source) {
      if (!PuppetNick.isValid(from)) {
        return; // a server or service notice before registration, not a person
      }
      events.accept(new IrcEvent.PrivateMessage(from, kind, text, tag(source, "msgid"), time(source)));
    }

    /**
     * 475 (bad channel key), 473 (invite only), 474 (banned), 471 (full), 477 (registered nicks only, on most
     * networks), 405 (too many channels): a JOIN the server refused. Lines waiting for it end as refused.
     */
    @NumericFilter(405)
    @NumericFilter(471)
    @NumericFilter(473)
    @NumericFilter(474)
    @NumericFilter(475)
    @NumericFilter(477)
    @Handler
    public void joinRefused(ClientReceiveNumericEvent e) {
      List<String> params = e.getParameters();
      if (params.size() < 2) {
        return;
      }
      String channel = params.get(1);
      String why = switch (e.getNumeric()) {
        case 471 -> "the channel is full (+l)";
        case 473 -> "the channel is invite-only (+i)";
        case 474 -> "banned from the channel (+b)";
        case 475 -> "wrong or missing channel key (+k)";
        case 477 -> "the channel needs a registered nick (+r)";
        default -> "joined too many channels";
      };
      log.warn("IRC {} ({}): cannot join {}: {} ({})", network.id(), nick(), channel.replaceAll("\\p{Cntrl}", "?"),
          why, e.getNumeric());
      refused(channel, e.getNumeric(), why);
      events.accept(new IrcEvent.JoinRefused(channel, e.getNumeric(), why));
    }

    /** 401 (no such nick) ends a WHOIS that will get no other answer. */
    @NumericFilter(401)
    @Handler
    public void noSuchNick(ClientReceiveNumericEvent e) {
      List<String> params = e.getParameters();
      if (params.size() < 2) {
        return;
      }
      List<CompletableFuture<String>> waiting;
      synchronized (IrcConnection.this) {
        waiting = whoisWaiting.remove(PuppetNick.key(params.get(1)));
      }
      if (waiting != null) {
        waiting.forEach(w -> w.completeExceptionally(new IllegalArgumentException("There is no " + params.get(1)
            + " on IRC right now.")));
      }
    }

    @Handler
    public void whois(WhoisEvent e) {
      var data = e.getWhoisData();
      List<CompletableFuture<String>> waiting;
      synchronized (IrcConnection.this) {
        waiting = whoisWaiting.remove(PuppetNick.key(data.getNick()));
      }
      if (waiting == null) {
        return;
      }
      StringBuilder b = new StringBuilder(data.getNick()).append(" is ").append(data.getUserString()).append('@')
          .append(data.getHost());
      data.getRealName().ifPresent(r -> b.append(" (").append(r).append(')'));
      if (!data.getChannels().isEmpty()) {
        b.append(", in ").append(String.join(" ", data.getChannels()));
      }
      data.getServer().ifPresent(s -> b.append(", on ").append(s));
      data.getAccount().ifPresent(a -> b.append(", logged in as ").append(a));
      data.getAwayMessage().ifPresent(a -> b.append(", away: ").append(a));
      String answer = b.toString().replaceAll("\\p{Cntrl}", "");
      waiting.forEach(w -> w.complete(answer));
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
                addChannel(namesByKey.getOrDefault(key, channel));
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

    /** IRCv3 {@code away-notify}: {@code AWAY :message} (gone) or a bare {@code AWAY} (back) from someone we see. */
    @Handler
    public void away(UserAwayMessageEvent e) {
      events.accept(new IrcEvent.Away(e.getActor().getNick(), e.getAwayMessage()));
    }

    /**
     * A line of the WHO list Kitteh asks for when we join a channel (352, or 354 for its WHOX query {@code %cuhsnfar}:
     * channel, user, host, server, nick, flags, ...): the flags start with {@code G} for someone away and {@code H} for
     * someone here. Read here because Kitteh 9 skips that first letter when it tracks away state from WHO. WHO carries
     * no away message.
     */
    @NumericFilter(352)
    @NumericFilter(354)
    @Handler
    public void whoLine(ClientReceiveNumericEvent e) {
      List<String> params = e.getParameters();
      if (params.size() < 7 || params.get(5).isEmpty() || params.get(6).isEmpty()) {
        return;
      }
      char here = params.get(6).charAt(0);
      if (here == 'G' || here == 'H') {
        events.accept(new IrcEvent.Away(params.get(5), here == 'G' ? Optional.of("") : Optional.empty()));
      }
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
      channelMessage(e.getChannel().getName(), e.getActor(), MessageKind.TEXT, e.getMessage(), e.getSource());
    }

    @Handler
    public void notice(ChannelNoticeEvent e) {
      channelMessage(e.getChannel().getName(), e.getActor(), MessageKind.NOTICE, e.getMessage(), e.getSource());
    }

    @Handler
    public void ctcp(ChannelCtcpEvent e) {
      String body = e.getMessage();
      if (body.startsWith("ACTION ")) {
        channelMessage(e.getChannel().getName(), e.getActor(), MessageKind.EMOTE,
            body.substring("ACTION ".length()), e.getSource());
      }
    }

    private void channelMessage(String channel, User actor, MessageKind kind, String text, ServerMessage source) {
      String from = actor.getNick();
      if (hasNick(from)) {
        echoes.echoed(channel, tag(source, "msgid")); // echo-message: our own line, never relayed
        return;
      }
      events.accept(new IrcEvent.ChannelMessage(channel, from, kind, text, messageSeq.incrementAndGet(),
          tag(source, "msgid"), time(source), tag(source, "+draft/reply").or(() -> tag(source, "+reply")),
          account(actor, source)));
    }
  }
}
