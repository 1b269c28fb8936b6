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
import dev.switchboard.core.connector.EditHandling;
import dev.switchboard.core.connector.MembershipHandling;
import dev.switchboard.core.connector.MessageHandling;
import dev.switchboard.core.connector.ReactionHandling;
import dev.switchboard.core.connector.RedactionHandling;
import dev.switchboard.core.connector.RoomStateHandling;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixReaction;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.irc.ghost.GhostIds;
import dev.switchboard.irc.hub.ForeignPuppets;
import dev.switchboard.irc.hub.NickReplies;
import dev.switchboard.irc.message.ChannelMessageMap;
import dev.switchboard.irc.message.LongMessages;
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
public final class IrcConnector implements Connector, LinkCapable, CommandCapable, ThirdPartyCapable,
    MessageHandling, EditHandling, ReactionHandling, RedactionHandling, MembershipHandling, RoomStateHandling {
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
  private final Map<String, IrcNetwork> networks = new LinkedHashMap<>();
  private volatile ChannelPortals portals;
  private volatile MatrixRoomEvents roomEvents;
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
    this.namespaces = IrcNamespaces.of(config.prefixes(), domain);
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
    intents = context.intents();
    meters = context.meters(protocol());
    permissions = context.permissions();
    foreignGhosts = context.foreignGhosts();
    RelayNames relayNames = new RelayNames();
    portals = new ChannelPortals(context.portals(), context.intents().bot(), config.aliasPrefix(),
        config::network, this::joinAsBot, context.blockingExecutor(), config.portalAliases())
        .withDormancy(new dev.switchboard.core.store.KvStore(context.database(), context.clock()));
    botUser = context.intents().bot().userId();
    UserNotices notices = new UserNotices(context.intents().bot(), portals, this::bridgingOf);
    NickReplies nickReplies = new NickReplies();
    long epoch = context.clock().millis();
    OperatorConsent consent = new OperatorConsent(id -> config.network(id).map(NetworkConfig::linkConfirmation),
        id -> Optional.ofNullable(networks.get(id)).map(IrcNetwork::consentView), context.scheduler());
    ChannelMessageMap messageMap = new ChannelMessageMap(context.messageMap(), context.blockingExecutor());
    LongMessages longMessages = new LongMessages(context.intents().bot(), context.mediaLinks());
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
        longMessages, nickReplies, relayNames, sockets, meters, new KeyedSerialExecutor<>(context.blockingExecutor(), "irc"),
        epoch, this::bridgingOf, notices::lineRefused, reconnectBase, random);
    for (NetworkConfig net : config.networks().values()) {
      IrcNetwork network = new IrcNetwork(net, shared);
      networks.put(net.id(), network);
      network.sweepIdlePuppets().ifPresent(sweeps::add);
    }
    roomEvents = new MatrixRoomEvents(networks, portals, namespaces, ghostIds,
        new ForeignPuppets(config.hub(), context.foreignGhosts(), context.intents().bot()), nickReplies, config.hub(),
        botUser, meters, notices, this::bridgingOf, context.blockingExecutor(), BOT_JOIN_WAIT);
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
  public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    return roomEvents.onMessage(message, link);
  }

  @Override
  public CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return roomEvents.onEdit(edit, link);
  }

  @Override
  public CompletableFuture<Void> onReaction(MatrixReaction reaction, Link link) {
    return roomEvents.onReaction(reaction, link);
  }

  @Override
  public CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    return roomEvents.onRedaction(redaction, link);
  }

  @Override
  public CompletableFuture<Void> onMembership(MembershipChange change, Optional<Link> link) {
    return roomEvents.onMembership(change, link);
  }

  @Override
  public CompletableFuture<Void> onRoomState(RoomStateChange change, Link link) {
    return roomEvents.onRoomState(change, link);
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

}
