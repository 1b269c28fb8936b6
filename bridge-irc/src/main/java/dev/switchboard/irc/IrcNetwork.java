package dev.switchboard.irc;

import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.permission.RelayNames;
import dev.switchboard.irc.dm.PrivateChats;
import dev.switchboard.irc.format.MessageKind;
import dev.switchboard.irc.ghost.GhostIds;
import dev.switchboard.irc.ghost.GhostPresence;
import dev.switchboard.irc.ghost.GhostRelay;
import dev.switchboard.irc.hub.NickReplies;
import dev.switchboard.irc.membership.MatrixModeration;
import dev.switchboard.irc.membership.QuitDebounce;
import dev.switchboard.irc.membership.RoomModes;
import dev.switchboard.irc.message.ChannelMessageMap;
import dev.switchboard.irc.message.IrcMediaLinks;
import dev.switchboard.irc.message.LongMessages;
import dev.switchboard.irc.message.MatrixAnnotations;
import dev.switchboard.irc.message.MatrixMessages;
import dev.switchboard.irc.network.Backoff;
import dev.switchboard.irc.network.ConnectionRole;
import dev.switchboard.irc.network.IrcConnection;
import dev.switchboard.irc.network.IrcEvent;
import dev.switchboard.irc.network.NetworkConfig;
import dev.switchboard.irc.network.OutgoingConnections;
import dev.switchboard.irc.portal.ChannelKeys;
import dev.switchboard.irc.portal.ChannelName;
import dev.switchboard.irc.portal.ChannelPortals;
import dev.switchboard.irc.portal.ChannelRef;
import dev.switchboard.irc.portal.OperatorConsent;
import dev.switchboard.irc.puppet.PacedExecutor;
import dev.switchboard.irc.puppet.PuppetNick;
import dev.switchboard.irc.puppet.Puppets;
import dev.switchboard.irc.relay.RelayUsers;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured IRC network, wired: the bot's connection that listens in the bridged channels, the puppets that
 * speak for Matrix users, and the parts that bridge them (IRC → Matrix relay, Matrix → IRC messages, moderation,
 * private chats, annotations, relay users). Built by {@link IrcConnector#start} once per network, in the order its
 * parts need each other; nothing reaches IRC until {@link #connect}.
 */
final class IrcNetwork {
  private static final Logger log = LoggerFactory.getLogger(IrcNetwork.class);

  /** Reconnect delays: from about 2 s ({@code reconnectBase}), doubling, at most 5 min. */
  private static final Duration RECONNECT_CAP = Duration.ofMinutes(5);
  /** Until the bot has learnt the server's NICKLEN, puppets ask for up to 30 characters (common on modern networks). */
  private static final int UNKNOWN_NICK_LENGTH = 30;

  /** What every network of the connector shares. */
  record Shared(ConnectorContext context, IrcConfig config, GhostIds ghostIds, ChannelPortals portals,
      ChannelKeys keys, OperatorConsent consent, ChannelMessageMap messageMap, LongMessages longMessages,
      NickReplies nickReplies, RelayNames relayNames, OutgoingConnections sockets, ConnectorMeters meters,
      KeyedSerialExecutor<String> lanes, long epoch, Function<UserId, Permissions.Bridging> bridgingOf,
      PuppetLineRefused lineRefused, Duration reconnectBase, RandomGenerator random) {}

  /** A puppet's line was refused after it was written (no echo-message). */
  @FunctionalInterface
  interface PuppetLineRefused {
    void refused(String network, UserId user, IrcEvent.LineRefused refused);
  }

  private final NetworkConfig config;
  private final Shared shared;
  /** The bot's events, in the order they happened. */
  private final Executor botLane;
  /** Puppets' private messages and refused lines, in order. */
  private final Executor privateLane;
  private final Executor puppetConnects;
  private final Backoff backoff;
  private final IntSupplier nickLength;
  private final IrcConnection bot;
  private final Puppets puppets;
  private final GhostRelay relay;
  private final Optional<GhostPresence> presence;
  private final MatrixMessages messages;
  private final PrivateChats privateChats;
  private final MatrixAnnotations annotations;
  private final MatrixModeration moderation;
  private final RelayUsers relayUsers;

  IrcNetwork(NetworkConfig config, Shared shared) {
    this.config = config;
    this.shared = shared;
    ConnectorContext context = shared.context();
    this.botLane = shared.lanes().lane(config.id() + " bot");
    this.privateLane = shared.lanes().lane(config.id() + " private");
    // Connects and reconnects of puppets are paced by connect_rate.
    this.puppetConnects = config.limits().connectRate() > 0
        ? new PacedExecutor(config.limits().connectRate(), context.scheduler(), context.blockingExecutor(),
            System::nanoTime)
        : context.blockingExecutor();
    this.backoff = new Backoff(shared.reconnectBase(), RECONNECT_CAP, shared.random());
    this.bot = new IrcConnection(config, new IrcConnection.Identity(config.botNick(), "switchboard",
        "Matrix bridge (Switchboard)"), Math.max(config.botNick().length(), PuppetNick.RFC_NICK_LENGTH), backoff,
        context.scheduler(), context.blockingExecutor(), event -> botLane.execute(() -> botEvent(event)),
        ConnectionRole.BOT, shared.sockets());
    bot.useChannelKeys(this::channelKey);
    // A puppet asks for a long nick until the bot knows the server's NICKLEN, and drops to 9 if the server refuses.
    this.nickLength = () -> bot.serverNickLength().orElse(UNKNOWN_NICK_LENGTH);
    this.puppets = new Puppets(nickLength, this::puppetConnection, System::nanoTime, config.limits().maxConnections(),
        user -> shared.bridgingOf().apply(user) == Permissions.Bridging.PUPPET);
    Predicate<String> ourNick = nick -> bot.hasNick(nick) || puppets.isPuppetNick(nick);
    GhostIds ghostIds = shared.ghostIds();
    this.relay = new GhostRelay(config.id(), context.intents(), ghostIds, shared.portals(), ourNick,
        puppets::userOfNick, shared.messageMap(),
        new QuitDebounce(config.netsplit(), context.scheduler(), botLane, System::nanoTime), shared.epoch(),
        new RoomModes(config, ghostIds, context.intents().bot()));
    relay.guessRepliesWith(shared.nickReplies()::answered);
    this.presence = shared.config().presence()
        ? Optional.of(new GhostPresence(config.id(), context.intents(), ghostIds, ourNick)) : Optional.empty();
    this.messages = new MatrixMessages(puppets, shared.messageMap(), shared.longMessages(), config.lineLimit(),
        user -> ghostIds.remoteUser(user).filter(u -> u.network().equals(config.id())).map(GhostIds.RemoteUser::nick)
            .or(() -> puppets.existing(user).map(IrcConnection::nick)))
        .withMedia(new IrcMediaLinks(context.mediaLinks()));
    this.privateChats = new PrivateChats(config.id(), context.intents(), ghostIds, context.portals(), puppets,
        ourNick, context.blockingExecutor(), shared.epoch(), shared.bridgingOf()::apply);
    this.annotations = new MatrixAnnotations(puppets, shared.messageMap(), config.reactions(), config.redactions());
    this.moderation = new MatrixModeration(puppets, bot, context.intents().bot());
    this.relayUsers = new RelayUsers(bot, messages, annotations, shared.relayNames(), context.intents().bot(),
        context.permissions().relay(), nickLength);
  }

  private Optional<String> channelKey(ChannelName channel) {
    return shared.keys().key(new ChannelRef(config.id(), channel));
  }

  /** What the bot saw, in order: channel keys, link confirmations, the relay to Matrix, presence. */
  private void botEvent(IrcEvent event) {
    shared.keys().handle(config.id(), event);
    if (event instanceof IrcEvent.Disconnected) {
      shared.meters().reconnect("bot");
    }
    shared.consent().handle(config.id(), event);
    relay.handle(event);
    presence.ifPresent(p -> p.handle(event));
  }

  /** A new puppet connection for {@code user}; connects and reconnects go through {@link #puppetConnects}. */
  private IrcConnection puppetConnection(UserId user, IrcConnection.Identity identity) {
    IrcConnection puppet = new IrcConnection(config, identity, nickLength.getAsInt(), backoff,
        shared.context().scheduler(), puppetConnects, event -> puppetEvent(user, event), ConnectionRole.PUPPET,
        shared.sockets());
    puppet.useChannelKeys(this::channelKey);
    // Only this user's connection failing while the bot is connected is this user's failure (a K-line).
    puppet.useNetworkCheck(bot::isRegistered);
    return puppet;
  }

  private void puppetEvent(UserId user, IrcEvent event) {
    if (event instanceof IrcEvent.Disconnected) {
      shared.meters().reconnect("puppet");
    }
    if (event instanceof IrcEvent.Registered || event instanceof IrcEvent.NickChanged) {
      puppets.reindex(user);
    }
    if (event instanceof IrcEvent.PrivateMessage pm) {
      privateLane.execute(() -> privateChats.received(user, pm));
    }
    if (event instanceof IrcEvent.LineRefused refused) {
      privateLane.execute(() -> shared.lineRefused().refused(config.id(), user, refused));
    }
  }

  /** Disconnects puppets idle for the network's {@code idle_timeout_seconds}, if it has one. */
  Optional<ScheduledFuture<?>> sweepIdlePuppets() {
    if (config.idleTimeout().isZero()) {
      return Optional.empty();
    }
    long every = Math.max(250, Math.min(config.idleTimeout().toMillis() / 4, 60_000));
    return Optional.of(shared.context().scheduler().scheduleWithFixedDelay(() -> {
      try {
        int stopped = puppets.disconnectIdle(config.idleTimeout());
        if (stopped > 0) {
          log.info("IRC {}: disconnected {} idle puppet(s)", config.id(), stopped);
        }
      } catch (RuntimeException e) {
        log.warn("IRC {}: idle puppet sweep failed: {}", config.id(), e.toString());
      }
    }, every, every, TimeUnit.MILLISECONDS));
  }

  /** What the operators' confirmation of a link sees of this network. */
  OperatorConsent.BotView consentView() {
    return new OperatorConsent.BotView() {
      @Override
      public boolean isIn(ChannelName channel) {
        return bot.isIn(channel);
      }

      @Override
      public void join(ChannelName channel) {
        bot.join(channel);
      }

      @Override
      public void refreshNames(ChannelName channel) {
        bot.refreshNames(channel);
      }

      @Override
      public void part(ChannelName channel, String reason) {
        // Only a channel the bot joined just to ask: never one a portal or another link still needs.
        if (shared.portals().roomOf(new ChannelRef(config.id(), channel)).isEmpty()) {
          bot.part(channel, reason);
        }
      }

      @Override
      public Optional<String> userModes(ChannelName channel, String nick) {
        return bot.userModes(channel, nick);
      }

      @Override
      public boolean isOurs(String nick) {
        return bot.hasNick(nick) || puppets.isPuppetNick(nick);
      }

      @Override
      public Optional<String> puppetNickOf(UserId user) {
        return puppets.existing(user).map(IrcConnection::nick);
      }

      @Override
      public void tell(String nick, MessageKind kind, String line) {
        bot.sendPrivate(nick, kind, List.of(line)).exceptionally(e -> {
          log.warn("IRC {}: could not send a link question to {}: {}", config.id(), nick, e.toString());
          return null;
        });
      }
    };
  }

  NetworkConfig config() {
    return config;
  }

  IrcConnection bot() {
    return bot;
  }

  Puppets puppets() {
    return puppets;
  }

  GhostRelay relay() {
    return relay;
  }

  MatrixMessages messages() {
    return messages;
  }

  PrivateChats privateChats() {
    return privateChats;
  }

  MatrixAnnotations annotations() {
    return annotations;
  }

  MatrixModeration moderation() {
    return moderation;
  }

  RelayUsers relayUsers() {
    return relayUsers;
  }
}
