package dev.switchboard.irc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.command.Command;
import dev.switchboard.core.command.CommandCapable;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.ThirdPartyCapable;
import dev.switchboard.irc.portal.IrcThirdPartyLookup;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.store.LoginStore;
import dev.switchboard.irc.command.IrcCommands;
import dev.switchboard.core.connector.LinkCapable;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.irc.dm.DirectChat;
import dev.switchboard.irc.ghost.GhostIds;
import dev.switchboard.irc.network.IrcEvent;
import dev.switchboard.irc.hub.ForeignPuppets;
import dev.switchboard.irc.hub.NickReplies;
import dev.switchboard.irc.message.ChannelMessageMap;
import dev.switchboard.irc.message.LongMessages;
import dev.switchboard.irc.message.DeliveryNotices;
import dev.switchboard.irc.network.DeliveryRefused;
import dev.switchboard.irc.network.IrcConnection;
import dev.switchboard.irc.network.NetworkConfig;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.irc.portal.ChannelLinks;
import dev.switchboard.irc.portal.ChannelKeys;
import dev.switchboard.irc.portal.OperatorConsent;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.portal.ChannelPortals;
import dev.switchboard.irc.portal.ChannelRef;
import dev.switchboard.irc.puppet.PuppetNick;
import dev.switchboard.irc.puppet.Puppets;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.permission.RelayNames;
import dev.switchboard.registration.Namespaces;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IRC connector: per configured network one bot connection that listens in the bridged channels, and one
 * connection per Matrix user (puppet) that speaks for them. Portals come from alias queries
 * ({@code #_irc_<network>_<#channel>:<domain>}); IRC users appear as ghosts ({@code @_irc_<network>_<nick>}).
 */
public final class IrcConnector implements Connector, LinkCapable, CommandCapable, ThirdPartyCapable {
  private static final Logger log = LoggerFactory.getLogger(IrcConnector.class);

  /** Reconnect delays start from about 2 s (see {@link IrcNetwork}). */
  private static final Duration RECONNECT_BASE = Duration.ofSeconds(2);
  /** How long the first event of a woken portal waits for the bot to be in the channel. */
  static final Duration BOT_JOIN_WAIT = Duration.ofSeconds(30);

  private final IrcConfig config;
  private final Namespaces namespaces;
  private final GhostIds ghostIds;
  private final RandomGenerator random;
  private final Duration reconnectBase;
  private final IrcThirdPartyLookup thirdParty;
  /** Every IRC socket of this connector (one event loop group; the identd's source of truth). */
  private final dev.switchboard.irc.network.OutgoingConnections sockets =
      new dev.switchboard.irc.network.OutgoingConnections(0);
  private volatile dev.switchboard.irc.ident.IdentServer identServer;
  private final Map<String, Long> toldAboutLimit = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, IrcNetwork> networks = new LinkedHashMap<>();
  private final Map<EventId, CompletableFuture<Void>> recentEvents = new LinkedHashMap<>(256, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<EventId, CompletableFuture<Void>> eldest) {
      return size() > 10_000;
    }
  };
  private volatile ChannelPortals portals;
  private volatile java.util.concurrent.Executor blocking;
  private final NickReplies nickReplies = new NickReplies();
  private volatile ForeignPuppets foreign;
  private volatile UserId botUser;
  private volatile ChannelLinks links;
  private volatile IrcCommands commands;
  private volatile ChannelKeys keys;
  private final List<java.util.concurrent.ScheduledFuture<?>> sweeps = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile dev.switchboard.core.homeserver.Intents intents;
  private volatile ConnectorState state = ConnectorState.STARTING;
  private volatile ConnectorMeters meters;
  /** Who may do what (core's {@code permissions}): puppets, DMs and plumbing for some, relay through the bot for others. */
  private volatile Permissions permissions;
  private volatile dev.switchboard.core.connector.ForeignGhosts foreignGhosts;
  private volatile DeliveryNotices refusalNotices;
  private final java.util.concurrent.atomic.AtomicLong lineRefusals = new java.util.concurrent.atomic.AtomicLong();

  /**
   * Reads and validates the {@code irc:} section; a bad section throws {@link
   * dev.switchboard.core.config.ConfigException} naming the key.
   *
   * @param domain the homeserver's server name
   * @param random for reconnect jitter
   */
  public IrcConnector(JsonNode ircSection, String domain, RandomGenerator random) {
    this(IrcConfig.parse(ircSection), domain, random, RECONNECT_BASE);
  }

  /** As above, from the parsed section, with a shorter first reconnect delay for tests. */
  IrcConnector(IrcConfig config, String domain, RandomGenerator random, Duration reconnectBase) {
    this.config = config;
    this.namespaces = IrcNamespaces.of(config, domain);
    this.ghostIds = new GhostIds(config.userPrefix(), domain);
    this.random = random;
    this.reconnectBase = reconnectBase;
    this.thirdParty = new IrcThirdPartyLookup(config.networks(), config.aliasPrefix(), ghostIds, domain);
  }

  @Override
  public String protocol() {
    return ChannelPortals.PROTOCOL;
  }

  @Override
  public Namespaces namespaces() {
    return namespaces;
  }

  public IrcConfig config() {
    return config;
  }

  @Override
  public void start(ConnectorContext context) {
    blocking = context.blockingExecutor();
    intents = context.intents();
    meters = context.meters(protocol());
    permissions = context.permissions();
    foreignGhosts = context.foreignGhosts();
    RelayNames relayNames = new RelayNames();
    portals = new ChannelPortals(context.portals(), context.intents().bot(), config.aliasPrefix(),
        config::network, this::joinAsBot, context.blockingExecutor(), config.portalAliases())
        .withDormancy(new dev.switchboard.core.store.KvStore(context.database(), context.clock()));
    foreign = new ForeignPuppets(config.hub(), context.foreignGhosts(), context.intents().bot());
    botUser = context.intents().bot().userId();
    refusalNotices = new DeliveryNotices(context.intents().bot(), System::nanoTime);
    long epoch = context.clock().millis();
    OperatorConsent consent = new OperatorConsent(id -> config.network(id).map(NetworkConfig::linkConfirmation),
        id -> Optional.ofNullable(networks.get(id)).map(IrcNetwork::consentView), context.scheduler());
    ChannelMessageMap messageMap = new ChannelMessageMap(new MessageMapStore(context.database(), context.clock()),
        context.blockingExecutor());
    LongMessages longMessages = new LongMessages(context.intents().bot(),
        config.mediaBaseUrl().orElse("https://" + context.serverName()));
    keys = new ChannelKeys(context.database(), context.secrets(), context.clock(), context.blockingExecutor());
    keys.load();
    if (config.ident().enabled()) {
      try {
        identServer = dev.switchboard.irc.ident.IdentServer.start(config.ident().address(), sockets::username);
      } catch (RuntimeException e) {
        // Bridging works without it; servers then show puppets' user names with a '~'.
        log.error("irc.ident: cannot listen on {} ({}); continuing without identd", config.ident().address(),
            e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    IrcNetwork.Shared shared = new IrcNetwork.Shared(context, config, ghostIds, portals, keys, consent, messageMap,
        longMessages, nickReplies, relayNames, sockets, meters, new KeyedSerialExecutor<>(blocking, "irc"), epoch,
        this::bridgingOf, this::lineRefused, reconnectBase, random);
    for (NetworkConfig net : config.networks().values()) {
      IrcNetwork network = new IrcNetwork(net, shared);
      networks.put(net.id(), network);
      network.sweepIdlePuppets().ifPresent(sweeps::add);
    }
    links = new ChannelLinks(context.portals(), portals, context.intents().bot(), config::network,
        new ChannelLinks.ChannelSide() {
          @Override
          public void join(ChannelRef channel) {
            IrcNetwork network = networks.get(channel.network());
            if (network != null) {
              if (network.bot().isIn(channel.channel())) {
                network.bot().refreshNames(channel.channel());
              } else {
                network.bot().join(channel.channel());
              }
            }
          }

          @Override
          public CompletableFuture<Void> leave(ChannelRef channel, RoomId room) {
            return unbridge(channel, room);
          }
        }, context.blockingExecutor(), consent::approve);
    Map<String, IrcCommands.NetworkHandle> handles = new LinkedHashMap<>();
    networks.forEach((id, n) -> handles.put(id, new IrcCommands.NetworkHandle(n.config(), n.bot(), n.puppets())));
    commands = new IrcCommands(handles, new LoginStore(context.database(), context.secrets(), context.clock()),
        portals, context.intents().bot(), config.aliasPrefix(), context.serverName(), context.blockingExecutor())
        .withChannelKeys(keys);
    commands.loadStoredChoices();
    for (ChannelRef channel : portals.load()) {
      joinAsBot(channel);
    }
    List<String> connectionStates = List.of("connecting", "connected", "reconnecting", "stopped");
    meters.connections("bot", connectionStates,
        () -> networks.values().stream().map(n -> n.bot().connectionState()).toList());
    meters.connections("puppet", connectionStates, () -> networks.values().stream()
        .flatMap(n -> n.puppets().connections().values().stream()).map(IrcConnection::connectionState).toList());
    networks.values().forEach(n -> n.bot().connect());
    state = ConnectorState.RUNNING;
    log.info("IRC connector started: {} network(s)", networks.size());
  }

  private void joinAsBot(ChannelRef channel) {
    IrcNetwork network = networks.get(channel.network());
    if (network != null) {
      network.bot().join(channel.channel());
    }
  }

  @Override
  public void stop() {
    state = ConnectorState.STOPPED;
    sweeps.forEach(f -> f.cancel(false));
    for (IrcNetwork n : networks.values()) {
      n.puppets().stopAll("Bridge shutting down");
      n.bot().stop("Bridge shutting down");
    }
    if (identServer != null) {
      identServer.close();
    }
    sockets.close();
  }

  @Override
  public ObjectNode thirdPartyProtocol() {
    return thirdParty.protocol();
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyLocations(Map<String, String> fields) {
    return CompletableFuture.completedFuture(thirdParty.locations(fields));
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyUsers(Map<String, String> fields) {
    return CompletableFuture.completedFuture(thirdParty.users(fields));
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyLocationsForAlias(String alias) {
    return CompletableFuture.completedFuture(thirdParty.locationsForAlias(alias));
  }

  @Override
  public CompletableFuture<ArrayNode> thirdPartyUsersForUserId(String userId) {
    return CompletableFuture.completedFuture(thirdParty.usersForUserId(userId));
  }

  @Override
  public List<Command> commands() {
    IrcCommands c = commands;
    return c == null ? List.of() : c.commands();
  }

  @Override
  public String normaliseRemoteRoom(String remoteRoom) throws LinkException {
    ChannelLinks l = links;
    if (l == null) {
      throw new LinkException("M_UNKNOWN", "the IRC connector has not started");
    }
    return l.parse(remoteRoom).remoteId();
  }

  @Override
  public CompletableFuture<Link> link(RoomId room, String remoteRoom, UserId requester) {
    // Core lets only admins call this (!link, provisioning: LinkCapable's contract); as a second line, nobody below
    // user is ever named as the one who bridged a channel. The provisioning API's shared secret acts as the bot.
    if (!requester.equals(botUser) && !permissions.levelOf(requester).atLeast(Level.USER)) {
      return CompletableFuture.failedFuture(new LinkException("M_FORBIDDEN",
          "linking a room to IRC needs permission level admin"));
    }
    ChannelLinks l = links;
    return l == null ? CompletableFuture.failedFuture(new LinkException("M_UNKNOWN", "the IRC connector has not started"))
        : l.link(room, remoteRoom, requester);
  }

  @Override
  public CompletableFuture<Void> unlink(Link link) {
    ChannelLinks l = links;
    return l == null ? CompletableFuture.completedFuture(null) : l.unlink(link);
  }

  /** The channel user modes the bot sees {@code nick} with in {@code channel} (tests wait on this). */
  String botSeesModes(String network, String channel, String nick) {
    IrcNetwork n = networks.get(network);
    return n == null ? "" : ChannelName.parse(channel).flatMap(c -> n.bot().userModes(c, nick)).orElse("");
  }

  /** Opens a portal as {@code !irc join} does for a user: active at once (tests that need the bot in the channel). */
  CompletableFuture<Optional<RoomId>> openPortalForUser(RoomAlias alias) {
    return portals.open(alias, true);
  }

  /** A Matrix user's puppet connection on a network, if it has one (tests look at echo-message counters). */
  Optional<IrcConnection> puppetOf(String network, UserId user) {
    IrcNetwork n = networks.get(network);
    return n == null ? Optional.empty() : n.puppets().existing(user);
  }

  /** After an unlink: the channel's ghosts leave the room, our puppets and the bot part the channel. */
  private CompletableFuture<Void> unbridge(ChannelRef channel, RoomId room) {
    IrcNetwork network = networks.get(channel.network());
    if (network == null) {
      return CompletableFuture.completedFuture(null);
    }
    keys.remove(channel);
    CompletableFuture<Void> done = new CompletableFuture<>();
    // In the room's lane, so joins still being relayed happen before the leaves.
    network.relay().inRoomOrder(room, () -> {
      List<CompletableFuture<Void>> leaves = network.relay().ghostsIn(room).stream()
          .map(nick -> intents.ghost(ghostIds.ghost(channel.network(), nick)).leave(room)
              .exceptionally(e -> {
                log.warn("IRC {}: ghost of {} could not leave {}: {}", channel.remoteId(), nick, room, e.toString());
                return null;
              }))
          .toList();
      return CompletableFuture.allOf(leaves.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
        network.relay().forget(room);
        done.complete(null);
      });
    });
    network.puppets().connections().values().forEach(c -> c.part(channel.channel(), "Channel no longer bridged"));
    network.bot().part(channel.channel(), "Channel no longer bridged");
    return done;
  }

  /**
   * {@code RUNNING} while every network's bot is registered; a network whose bot is still connecting makes it {@code
   * CONNECTING}, one whose bot lost its connection (or cannot make one) {@code TRANSIENT_DISCONNECT}, so
   * {@code /health} and {@code !status} show an IRC outage.
   */
  @Override
  public ConnectorState state() {
    ConnectorState s = state;
    if (s != ConnectorState.RUNNING) {
      return s;
    }
    for (IrcNetwork n : networks.values()) {
      switch (n.bot().connectionState()) {
        case "reconnecting" -> s = ConnectorState.TRANSIENT_DISCONNECT;
        case "connecting" -> s = s == ConnectorState.RUNNING ? ConnectorState.CONNECTING : s;
        default -> { }
      }
    }
    return s;
  }

  @Override
  public CompletableFuture<Optional<RoomId>> onAliasQuery(RoomAlias alias) {
    ChannelPortals p = portals;
    if (p == null) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return p.open(alias);
  }

  @Override
  public CompletableFuture<Boolean> onUserQuery(UserId userId) {
    return CompletableFuture.completedFuture(ghostIds.remoteUser(userId)
        .filter(u -> networks.containsKey(u.network()))
        .filter(u -> PuppetNick.isValid(u.nick()))
        .isPresent());
  }

  @Override
  public CompletableFuture<Void> onMatrixEvent(MatrixEvent event, Optional<Link> link) {
    CompletableFuture<Void> handled;
    try {
      handled = handleMatrixEvent(event, link);
    } catch (Puppets.LimitReached e) {
      handled = CompletableFuture.failedFuture(e);
    }
    return handled.exceptionallyCompose(error -> {
      Throwable root = dev.switchboard.core.failure.Failures.rootCause(error);
      if (root instanceof Puppets.LimitReached limit) {
        return refusedForLimit(event, limit.getMessage() + ". Try again later");
      }
      if (root instanceof Puppets.NotPermitted) {
        return refusedForLevel(event);
      }
      if (root instanceof DeliveryRefused refused) {
        // One user's refusal: they are told, and the room's lane moves on (DESIGN.md, data flow 4).
        return refusalNotices.refused(event, refused);
      }
      return CompletableFuture.failedFuture(error);
    });
  }

  /**
   * A Matrix user's event cannot reach IRC for a reason of theirs ({@code reason}: the network's {@code
   * max_connections} are all in use, their permission level): the bot tells them so in the room, at most once in 10
   * minutes per user and room.
   */
  private CompletableFuture<Void> refusedForLimit(MatrixEvent event, String reason) {
    String key = event.sender().value() + " " + event.roomId().value();
    long now = System.nanoTime();
    Long before = toldAboutLimit.get(key);
    if (before != null && now - before < Duration.ofMinutes(10).toNanos()) {
      return CompletableFuture.completedFuture(null);
    }
    toldAboutLimit.values().removeIf(told -> now - told >= Duration.ofMinutes(10).toNanos());
    toldAboutLimit.put(key, now);
    log.info("IRC: no connection for {} in {}: {}", event.sender(), event.roomId(), reason);
    ObjectNode content = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
        .put("msgtype", "m.notice")
        .put("body", event.sender().value() + ": your message was not sent to IRC: " + reason + ".");
    content.putObject("m.mentions").putArray("user_ids").add(event.sender().value());
    return intents.bot().sendMessage(event.roomId(), content, "irc/limit/" + event.eventId().value())
        .handle((v, e) -> null);
  }

  /**
   * An event that needed the sender's own connection, from a user who may not have one (a relay user writing in a
   * direct chat they opened before their level changed, say): nothing reaches IRC; a relay user is told, as for a
   * full network, and a none user (core keeps their events from us anyway) is not.
   */
  private CompletableFuture<Void> refusedForLevel(MatrixEvent event) {
    if (bridgingOf(event.sender()) == Permissions.Bridging.REFUSE) {
      log.debug("IRC: ignoring {} from {} (level none)", event.type(), event.sender());
      return CompletableFuture.completedFuture(null);
    }
    return refusedForLimit(event, "your permission level on this bridge (relay) gives you no IRC connection of "
        + "your own, which this needs; ask the bridge's admin for level user");
  }

  /**
   * How {@code user}'s events reach IRC. Other connectors' ghosts in hub rooms speak for remote people and always
   * get puppets (core never refuses them either); everyone else by their permission level.
   */
  private Permissions.Bridging bridgingOf(UserId user) {
    if (foreignGhosts.networkOf(user).isPresent()) {
      return Permissions.Bridging.PUPPET;
    }
    return permissions.bridgingOf(user);
  }

  /** A puppet's line was refused after it was written (no echo-message): its user is told in the portal. */
  private void lineRefused(String network, UserId user, IrcEvent.LineRefused refused) {
    ChannelName.parse(refused.channel()).flatMap(c -> portals.roomOf(new ChannelRef(network, c))).ifPresent(room ->
        refusalNotices.refusedAfterWrite(user, room, new DeliveryRefused(
            DeliveryRefused.Stage.LINE, refused.channel(), 404,
            refused.reason().isBlank() ? "cannot send to channel" : refused.reason(), 0),
            "irc/" + network + "/refused-line/" + lineRefusals.incrementAndGet() + "/" + System.currentTimeMillis()));
  }

  private CompletableFuture<Void> handleMatrixEvent(MatrixEvent event, Optional<Link> link) {
    if (link.isEmpty()) {
      return outsideLinks(event);
    }
    if (!protocol().equals(link.get().protocol())) {
      return CompletableFuture.completedFuture(null);
    }
    Optional<DirectChat> chat = DirectChat.ofRemoteId(link.get().remoteId());
    if (chat.isPresent()) {
      IrcNetwork network = networks.get(chat.get().network());
      return network == null || namespaces.claimsUser(event.sender().value()) ? CompletableFuture.completedFuture(null)
          : once(event.eventId(), () -> network.privateChats().fromMatrix(event, chat.get())
              .thenRun(() -> countSent(event)));
    }
    Optional<ChannelRef> ref = ChannelRef.ofRemoteId(link.get().remoteId());
    IrcNetwork network = ref.map(r -> networks.get(r.network())).orElse(null);
    if (network == null || namespaces.claimsUser(event.sender().value())) {
      return CompletableFuture.completedFuture(null);
    }
    if (portals.isDormant(ref.get()) && bridgingOf(event.sender()) == Permissions.Bridging.PUPPET) {
      // Someone at level user is in the room an alias query made: the bot's JOIN is handed over now (the kv row
      // goes in the background). This event (the user's join, so their puppet's JOIN) waits until the bot is in:
      // the bot's JOIN may wait behind its flood queue, and a puppet in the channel before the bot lets IRC users
      // talk to it while nothing relays their lines, so what they say in that window never reaches the room.
      ChannelRef channel = ref.get();
      portals.activate(channel);
      return botIn(network, channel).thenComposeAsync(v -> linkedEvent(event, network, channel), blocking);
    }
    return linkedEvent(event, network, ref.get());
  }

  /**
   * Completes once the network's bot is in {@code channel}, or after {@link #BOT_JOIN_WAIT} (a channel that neither
   * lets the bot in nor says why must not hold the room's events for ever).
   */
  private CompletableFuture<Void> botIn(IrcNetwork network, ChannelRef channel) {
    return network.bot().whenIn(channel.channel())
        .orTimeout(BOT_JOIN_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .exceptionally(e -> {
          log.info("IRC {}: the bot is not in {} after {} s; the room's events go on without waiting for it",
              channel.network(), channel.channel().value(), BOT_JOIN_WAIT.toSeconds());
          return null;
        });
  }

  /** A Matrix event in a channel portal that is not dormant (or was just woken). */
  private CompletableFuture<Void> linkedEvent(MatrixEvent event, IrcNetwork network, ChannelRef channel) {
    Optional<ChannelRef> ref = Optional.of(channel);
    if (event.membership().isPresent()) {
      return membership(event, network, ref.get());
    }
    if ("m.room.topic".equals(event.type()) && event.stateKey().equals(Optional.of(""))
        && event.sender().equals(botUser)) {
      // A topic set on another network of a hub room (core routes only those of the bot's topics here): set by
      // our bot, which needs ops where the channel is +t.
      if (config.hub().topics()) {
        network.bot().setTopic(ref.get().channel(), event.content().path("topic").asText(""));
      }
      return CompletableFuture.completedFuture(null);
    }
    Permissions.Bridging bridging = bridgingOf(event.sender());
    if (bridging != Permissions.Bridging.PUPPET) {
      // Relay users are said by the bot; a none user's event (core keeps those from us, a replay might not) is dropped.
      if (bridging == Permissions.Bridging.RELAY && portals.isDormant(ref.get())
          && "m.room.message".equals(event.type())) {
        return refusedForLimit(event, "nobody at permission level user has joined this room yet, so the bridge is "
            + "not in " + ref.get().channel() + " on IRC");
      }
      return bridging == Permissions.Bridging.RELAY
          ? once(event.eventId(), () -> network.relayUsers().handle(event, ref.get()).thenRun(() -> countSent(event)))
          : CompletableFuture.completedFuture(null);
    }
    if ("m.room.topic".equals(event.type()) && event.stateKey().equals(Optional.of(""))) {
      // Through the sender's own connection, so IRC sees who set it; the server refuses it without ops on +t.
      network.puppets().of(event.sender()).setTopic(ref.get().channel(), event.content().path("topic").asText(""));
      return CompletableFuture.completedFuture(null);
    }
    if ("m.room.message".equals(event.type())) {
      return once(event.eventId(), () -> foreign.prepare(event, network.puppets())
          .thenCompose(v -> network.messages().relay(event, ref.get()))
          .thenRun(() -> network.puppets().existing(event.sender()).ifPresent(c ->
              nickReplies.sent(ref.get(), c.nick(), event.eventId())))
          .thenRun(() -> countSent(event)));
    }
    if ("m.reaction".equals(event.type())) {
      return once(event.eventId(), () -> network.annotations().reaction(event, ref.get()));
    }
    if ("m.room.redaction".equals(event.type())) {
      return once(event.eventId(), () -> network.annotations().redaction(event, ref.get()));
    }
    return CompletableFuture.completedFuture(null);
  }

  /** Membership aimed at one of our ghosts in a room without links: an invite to a direct chat. */
  private CompletableFuture<Void> outsideLinks(MatrixEvent event) {
    if (event.membership().isEmpty() || event.stateKey().isEmpty() || namespaces.claimsUser(event.sender().value())) {
      return CompletableFuture.completedFuture(null);
    }
    UserId target;
    try {
      target = UserId.of(event.stateKey().get());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(null);
    }
    Optional<GhostIds.RemoteUser> remote = ghostIds.remoteUser(target).filter(u -> PuppetNick.isValid(u.nick()));
    IrcNetwork network = remote.map(r -> networks.get(r.network())).orElse(null);
    return network == null ? CompletableFuture.completedFuture(null)
        : network.privateChats().invited(event, target, remote.get().nick());
  }

  /** {@code switchboard.irc.messages{direction="to_remote"}}: a Matrix message (not a DM invite or state) reached IRC. */
  private void countSent(MatrixEvent event) {
    if ("m.room.message".equals(event.type())) {
      meters.message(ConnectorMeters.Direction.TO_REMOTE);
    }
  }

  /** A Matrix user joined (their puppet joins the channel) or left, was kicked or banned (it parts). */
  private CompletableFuture<Void> membership(MatrixEvent event, IrcNetwork network, ChannelRef channel) {
    Optional<UserId> subject = event.stateKey().flatMap(k -> {
      try {
        return Optional.of(UserId.of(k));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    });
    if (subject.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String membership = event.membership().get();
    if (namespaces.claimsUser(subject.get().value())) {
      // A room moderator kicked or banned one of our IRC ghosts: the same on IRC, through their puppet.
      Optional<GhostIds.RemoteUser> ghost = ghostIds.remoteUser(subject.get())
          .filter(u -> u.network().equals(channel.network()));
      boolean removed = "ban".equals(membership) || "leave".equals(membership);
      boolean unban = "leave".equals(membership)
          && "ban".equals(event.raw().path("unsigned").path("prev_content").path("membership").asText(""));
      if (ghost.isPresent() && unban && !subject.get().equals(event.sender())) {
        if (event.sender().equals(intents.bot().userId())) {
          return CompletableFuture.completedFuture(null); // lifted from IRC: IRC has it already
        }
        String nick = ghost.get().nick();
        String mask = network.relay().banMask(event.roomId(), nick).orElse(nick + "!*@*");
        network.relay().forgetBan(event.roomId(), nick);
        return network.moderation().unbanned(event.sender(), event.roomId(), channel, nick, mask, event.eventId());
      }
      if (ghost.isPresent() && removed && !subject.get().equals(event.sender())) {
        return network.moderation().removed(event.sender(), event.roomId(), channel, ghost.get().nick(),
            "ban".equals(membership), event.content().path("reason").asText(""), event.eventId());
      }
      return CompletableFuture.completedFuture(null);
    }
    Permissions.Bridging bridging = bridgingOf(subject.get());
    if ("join".equals(membership) && subject.get().equals(event.sender()) && bridging != Permissions.Bridging.PUPPET) {
      // No connection of their own: a relay user's name is kept for the bot's lines, a none user changes nothing.
      if (bridging == Permissions.Bridging.RELAY) {
        network.relayUsers().remember(event.roomId(), subject.get(),
            Optional.ofNullable(event.content().path("displayname").textValue()));
      }
    } else if ("join".equals(membership) && subject.get().equals(event.sender())) {
      network.puppets().displayName(event.sender(), foreign.nickSource(event.sender(),
          Optional.ofNullable(event.content().path("displayname").textValue())));
      if (foreign.joinsWithRoom(event.sender())) {
        network.puppets().join(event.sender(), channel.channel());
      }
    } else if ("leave".equals(membership) || "ban".equals(membership)) {
      // No Matrix ids on IRC: the moderator's id would mean nothing there and leak an address.
      String reason = subject.get().equals(event.sender()) ? "Left the Matrix room" : "Removed from the Matrix room";
      network.puppets().existing(subject.get()).ifPresent(c -> c.part(channel.channel(), reason));
    }
    return CompletableFuture.completedFuture(null);
  }

  /**
   * The dispatcher runs an event again after a timeout or a crash; while a first attempt is still held for a
   * connecting puppet, a repeat must wait for it rather than queue the message a second time.
   */
  private CompletableFuture<Void> once(EventId id, java.util.function.Supplier<CompletableFuture<Void>> send) {
    CompletableFuture<Void> existing;
    CompletableFuture<Void> mine = new CompletableFuture<>();
    synchronized (recentEvents) {
      existing = recentEvents.putIfAbsent(id, mine);
    }
    if (existing != null) {
      return existing;
    }
    CompletableFuture<Void> sent;
    try {
      sent = send.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((ok, err) -> {
      if (err != null) {
        synchronized (recentEvents) {
          recentEvents.remove(id, mine);
        }
        mine.completeExceptionally(err);
      } else {
        mine.complete(null);
      }
    });
    return mine;
  }
}
