package dev.switchboard.irc.puppet;

import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.format.IrcCodes;
import dev.switchboard.irc.format.IrcLines;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.network.IrcConnection;
import dev.switchboard.irc.portal.ChannelName;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The Matrix users' own connections on one network: each user at permission level {@code user} or above who joins a
 * portal or speaks gets one, with a nick from their display name (or localpart), so IRC sees real people rather
 * than a relay bot.
 */
public final class Puppets {
  /** Our ident user names stay within the 10 characters servers commonly allow (USERLEN). */
  private static final int USER_LENGTH = 10;

  private final IntSupplier nickLength;
  private final BiFunction<UserId, IrcConnection.Identity, IrcConnection> open;
  private final Map<UserId, IrcConnection> byUser = new ConcurrentHashMap<>();
  private final Map<UserId, String> displayNames = new ConcurrentHashMap<>();
  private final Map<UserId, String> chosenNicks = new ConcurrentHashMap<>();
  private final Map<UserId, String> chosenUsernames = new ConcurrentHashMap<>();
  private final Map<UserId, String> passwords = new ConcurrentHashMap<>();
  private final Map<UserId, List<ChannelName>> channelsWhenIdle = new ConcurrentHashMap<>();
  private final Map<UserId, Long> lastActive = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;
  private final int maxConnections;
  private final java.util.function.Predicate<UserId> mayConnect;
  /** Lower-cased puppet nick → user, and back (see {@link #userOfNick}). */
  private final Map<String, UserId> byNick = new ConcurrentHashMap<>();
  private final Map<UserId, String> nickKeyOf = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger connectionCount =
      new java.util.concurrent.atomic.AtomicInteger();

  /** The network's {@code max_connections} is reached: the user gets no connection (and what needed one fails). */
  public static final class LimitReached extends IllegalStateException {
    public LimitReached(int max) {
      super("all " + max + " IRC connections the bridge may open on this network are in use");
    }
  }

  /**
   * The user may not have a connection of their own (permission level below {@code user}): nothing that needed one
   * reaches IRC for them.
   */
  public static final class NotPermitted extends IllegalStateException {
    public NotPermitted(UserId user) {
      super(user.value() + " may not have an IRC connection of their own (permission level below user)");
    }
  }

  /**
   * @param nickLength the server's NICKLEN as far as we know it
   * @param open creates a connection (not yet connected) for an identity
   */
  public Puppets(IntSupplier nickLength, Function<IrcConnection.Identity, IrcConnection> open) {
    this(nickLength, (user, identity) -> open.apply(identity), System::nanoTime);
  }

  /**
   * @param open creates a connection (not yet connected) for a user and identity
   * @param nanoTime for idle times
   */
  public Puppets(IntSupplier nickLength, BiFunction<UserId, IrcConnection.Identity, IrcConnection> open,
      LongSupplier nanoTime) {
    this(nickLength, open, nanoTime, 0);
  }

  /** As above, with at most {@code maxConnections} connections at once (0: no limit). */
  public Puppets(IntSupplier nickLength, BiFunction<UserId, IrcConnection.Identity, IrcConnection> open,
      LongSupplier nanoTime, int maxConnections) {
    this(nickLength, open, nanoTime, maxConnections, user -> true);
  }

  /**
   * As above; only users {@code mayConnect} accepts get a connection. This is the one place every puppet is made,
   * so it is where the permission check cannot be missed by a new path (a replayed event, a typing notification,
   * a command): the callers check first and relay or refuse, this refuses whatever slipped through.
   */
  public Puppets(IntSupplier nickLength, BiFunction<UserId, IrcConnection.Identity, IrcConnection> open,
      LongSupplier nanoTime, int maxConnections, java.util.function.Predicate<UserId> mayConnect) {
    this.mayConnect = mayConnect;
    this.maxConnections = maxConnections;
    this.nickLength = nickLength;
    this.open = open;
    this.nanoTime = nanoTime;
  }

  /** The nick a user chose ({@code !nick}); used for connections made from now on. */
  public void chooseNick(UserId user, Optional<String> nick) {
    nick.ifPresentOrElse(n -> chosenNicks.put(user, n), () -> chosenNicks.remove(user));
  }

  /** The password a user stored ({@code !storepass}), for SASL PLAIN on connections made from now on. */
  public void choosePassword(UserId user, Optional<String> password) {
    password.ifPresentOrElse(p -> passwords.put(user, p), () -> passwords.remove(user));
  }

  /** The ident user name a user chose ({@code !username}); used for connections made from now on. */
  public void chooseUsername(UserId user, Optional<String> username) {
    username.ifPresentOrElse(n -> chosenUsernames.put(user, n), () -> chosenUsernames.remove(user));
  }

  /** Remembers a user's display name (from their membership event) for the nick of a connection made later. */
  public void displayName(UserId user, Optional<String> name) {
    name.filter(n -> !n.isBlank()).ifPresent(n -> displayNames.put(user, n));
  }

  /**
   * The user's connection, connecting it first if needed.
   *
   * @throws LimitReached when the user has none and the network's {@code max_connections} are all in use
   * @throws NotPermitted when the user may not have a connection
   */
  public IrcConnection of(UserId user) {
    if (!mayConnect.test(user)) {
      throw new NotPermitted(user);
    }
    // Marked active inside the map's lock, so an idle sweep can never stop a connection we are handing out.
    return byUser.compute(user, (u, existing) -> {
      lastActive.put(u, nanoTime.getAsLong());
      if (existing != null) {
        return existing;
      }
      if (connectionCount.incrementAndGet() > maxConnections && maxConnections > 0) {
        connectionCount.decrementAndGet();
        throw new LimitReached(maxConnections);
      }
      int max = nickLength.getAsInt();
      String nick = chosenNicks.getOrDefault(u,
          PuppetNick.sanitise(displayNames.getOrDefault(u, u.localpart()), max, u.localpart()));
      String ident = chosenUsernames.getOrDefault(u,
          PuppetNick.sanitise(u.localpart(), USER_LENGTH, "matrix").toLowerCase(java.util.Locale.ROOT));
      // The real name shows who is behind the nick; a user id has no spaces or line breaks, but we check anyway.
      String realName = u.value().replaceAll("[\\p{Cntrl}]", "");
      IrcConnection connection = open.apply(u, new IrcConnection.Identity(nick, ident, realName));
      String password = passwords.get(u);
      if (password != null) {
        connection.useSaslPlain(chosenNicks.getOrDefault(u, nick), password);
      }
      // Back from idle: the channels it was in before.
      List<ChannelName> before = channelsWhenIdle.remove(u);
      if (before != null) {
        before.forEach(connection::join);
      }
      index(u, connection);
      connection.connect();
      return connection;
    });
  }

  /**
   * Disconnects the connections of users who sent nothing for {@code timeout}, unless messages are still waiting in
   * them; they connect again, and rejoin the same channels, when their user next speaks. Returns how many it stopped.
   */
  public int disconnectIdle(Duration timeout) {
    long now = nanoTime.getAsLong();
    List<IrcConnection> idle = new ArrayList<>();
    List<UserId> idleUsers = new ArrayList<>();
    for (UserId user : List.copyOf(byUser.keySet())) {
      byUser.computeIfPresent(user, (u, c) -> {
        long since = lastActive.getOrDefault(u, now);
        if (now - since < timeout.toNanos() || c.hasHeldMessages()) {
          return c;
        }
        channelsWhenIdle.put(u, c.wantedChannels());
        idle.add(c);
        idleUsers.add(u);
        return null;
      });
    }
    connectionCount.addAndGet(-idle.size());
    idleUsers.forEach(u -> index(u, null));
    idle.forEach(c -> c.stop("Idle for too long"));
    return idle.size();
  }

  /** Disconnects the user's connection now; it comes back (same channels) when they next speak. */
  public boolean disconnect(UserId user, String reason, boolean rememberChannels) {
    IrcConnection[] stopped = new IrcConnection[1];
    byUser.computeIfPresent(user, (u, c) -> {
      if (rememberChannels) {
        channelsWhenIdle.put(u, c.wantedChannels());
      } else {
        channelsWhenIdle.remove(u);
      }
      stopped[0] = c;
      return null;
    });
    if (stopped[0] != null) {
      index(user, null);
      connectionCount.decrementAndGet();
      stopped[0].stop(reason);
    }
    return stopped[0] != null;
  }

  /** Sends Matrix text to {@code nick} privately as the user, held until their connection is registered. */
  public CompletableFuture<Void> sendPrivate(UserId user, String nick, MessageKind kind, String text) {
    String current = existing(user).map(IrcConnection::nick).orElse("");
    int budget = IrcLines.textBudget("n".repeat(Math.max(nickLength.getAsInt(), current.length())), nick,
        kind == MessageKind.EMOTE ? "\u0001ACTION \u0001".length() : 0);
    List<String> lines = IrcCodes.carryOver(IrcLines.split(text, budget - CARRY_RESERVE));
    return lines.isEmpty() ? CompletableFuture.completedFuture(null) : of(user).sendPrivate(nick, kind, lines);
  }

  /**
   * Room for formatting codes repeated at the start of a continuation line ({@link IrcCodes#carryOver}): five
   * toggles and a hex colour with background.
   */
  public static final int CARRY_RESERVE = 20;

  /**
   * Splits IRC text (with formatting codes) into the lines the user's connection would send to a channel: safe
   * lines that fit the server's limit with our prefix, each continuation starting with the formatting in force where
   * the previous line was cut.
   */
  public List<String> lines(UserId user, ChannelName channel, MessageKind kind, String text) {
    return IrcCodes.carryOver(IrcLines.split(text, lineBudget(user, channel, kind) - CARRY_RESERVE));
  }

  /** The bytes one line of text may have on the wire for this user in this channel. */
  public int lineBudget(UserId user, ChannelName channel, MessageKind kind) {
    String current = existing(user).map(IrcConnection::nick).orElse("");
    // Budget for the longest nick we might end up with, so a later suffix cannot push a line over the limit.
    return IrcLines.textBudget("n".repeat(Math.max(nickLength.getAsInt(), current.length())), channel.value(),
        kind == MessageKind.EMOTE ? "\u0001ACTION \u0001".length() : 0);
  }

  /** Sends lines from {@link #lines} (or as safe) as the user, held until their connection is in the channel. */
  public CompletableFuture<Void> sendLines(UserId user, ChannelName channel, MessageKind kind, List<String> lines) {
    if (lines.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return of(user).send(channel, kind, lines);
  }

  /** As above; {@code onEcho} gets each line's server msgid when the server echoes it (IRCv3 echo-message). */
  public CompletableFuture<Void> sendLines(UserId user, ChannelName channel, MessageKind kind, List<String> lines,
      java.util.function.Consumer<Optional<String>> onEcho) {
    if (lines.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return of(user).send(channel, kind, lines, onEcho);
  }

  /** As {@link #sendLines(UserId, ChannelName, MessageKind, List, java.util.function.Consumer)}, one future a line. */
  public List<CompletableFuture<Void>> sendEach(UserId user, ChannelName channel, MessageKind kind, List<String> lines,
      java.util.function.Consumer<Optional<String>> onEcho) {
    return lines.isEmpty() ? List.of() : of(user).sendEach(channel, kind, lines, onEcho);
  }

  /** Splits and sends Matrix text to a channel as the user. */
  public CompletableFuture<Void> send(UserId user, ChannelName channel, MessageKind kind, String body) {
    return sendLines(user, channel, kind, lines(user, channel, kind, body));
  }

  /** Joins the user's connection to a channel (they joined its portal). */
  public void join(UserId user, ChannelName channel) {
    of(user).join(channel);
  }

  /** Whether {@code nick} is one of our puppets' nicks right now. */
  public boolean isPuppetNick(String nick) {
    return userOfNick(nick).isPresent();
  }

  /**
   * The Matrix user whose puppet has {@code nick} right now. Asked for every IRC line (is it our own?) and every word
   * of it (a mention?), so it reads an index instead of asking every connection: with thousands of puppets that
   * was thousands of calls per word.
   */
  public Optional<UserId> userOfNick(String nick) {
    UserId user = byNick.get(PuppetNick.key(nick));
    if (user == null) {
      return Optional.empty();
    }
    IrcConnection c = byUser.get(user);
    return c != null && c.hasNick(nick) ? Optional.of(user) : Optional.empty();
  }

  /**
   * The user's connection got another nick (registered, possibly with a suffix, or renamed): call from its {@link
   * dev.switchboard.irc.network.IrcEvent.Registered} and {@link dev.switchboard.irc.network.IrcEvent.NickChanged}.
   */
  public void reindex(UserId user) {
    IrcConnection connection = byUser.get(user);
    if (connection != null) {
      index(user, connection);
    }
  }

  private void index(UserId user, IrcConnection connection) {
    synchronized (byNick) {
      String old = nickKeyOf.remove(user);
      if (old != null) {
        byNick.remove(old, user);
      }
      if (connection != null) {
        String key = PuppetNick.key(connection.nick());
        byNick.put(key, user);
        nickKeyOf.put(user, key);
      }
    }
  }

  /** The user's connection, if they have one. */
  public Optional<IrcConnection> existing(UserId user) {
    return Optional.ofNullable(byUser.get(user));
  }

  /** Every user's connection right now. */
  public Map<UserId, IrcConnection> connections() {
    return Map.copyOf(byUser);
  }

  public void stopAll(String reason) {
    for (UserId user : List.copyOf(byUser.keySet())) {
      disconnect(user, reason, false);
    }
  }
}
