package dev.switchboard.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.config.ConfigSection;
import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.EditHandling;
import dev.switchboard.core.connector.MembershipHandling;
import dev.switchboard.core.connector.MessageHandling;
import dev.switchboard.core.connector.ReactionHandling;
import dev.switchboard.core.connector.RedactionHandling;
import dev.switchboard.core.connector.RoomStateHandling;
import dev.switchboard.core.connector.ThirdPartyCapable;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.connector.EphemeralCapable;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkCapable;
import dev.switchboard.core.event.MatrixEdit;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.event.MatrixMessage;
import dev.switchboard.core.event.MatrixReaction;
import dev.switchboard.core.event.MatrixRedaction;
import dev.switchboard.core.event.MembershipChange;
import dev.switchboard.core.event.RoomStateChange;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.store.MessageMap;
import dev.switchboard.registration.Namespaces;
import dev.switchboard.xmpp.address.MucAliases;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.chat.DirectChats;
import dev.switchboard.xmpp.chat.MatrixUserDisco;
import dev.switchboard.xmpp.gateway.GatewayBridge;
import dev.switchboard.xmpp.link.MucLinks;
import dev.switchboard.xmpp.media.MediaFetcher;
import dev.switchboard.xmpp.media.MucMediaHook;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.muc.MucBridge;
import dev.switchboard.xmpp.vcard.MatrixVCards;
import dev.switchboard.xmpp.address.MatrixUserJids;
import dev.switchboard.xmpp.muc.MucInteractions;
import dev.switchboard.xmpp.muc.MucPuppets;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jivesoftware.smack.packet.Stanza;

/** The XMPP connector: an XEP-0114 component on its own domain, with MUC portals. */
public final class XmppConnector implements Connector, LinkCapable, EphemeralCapable, ThirdPartyCapable,
    MessageHandling, EditHandling, ReactionHandling, RedactionHandling, MembershipHandling, RoomStateHandling {
  public static final String PROTOCOL = "xmpp";

  private final XmppConfig config;
  /** Ghost ids and portal aliases, from the configured prefixes. */
  private final XmppGhostIds ghostIds;
  private final MucAliases aliases;
  private final Namespaces namespaces;
  private final String serverName;
  private ComponentConnection connection;
  private MucBridge mucs;
  private GatewayBridge gateway;
  private MucLinks links;
  private DirectChats chats;
  private MucInteractions interactions;
  private MatrixVCards vcards;
  private MatrixUserDisco userDisco;
  private MediaFetcher fetcher;
  /** Matrix events waiting for the component stream, by event and link. */
  private final java.util.Map<String, CompletableFuture<Void>> held = new java.util.concurrent.ConcurrentHashMap<>();
  private ConnectorContext context;
  private dev.switchboard.xmpp.permission.BridgingPolicy bridging;
  private dev.switchboard.xmpp.permission.DirectChatRefusals dmRefusals;
  private dev.switchboard.xmpp.relay.MucRelay mucRelay;
  private dev.switchboard.xmpp.permission.DormantPortals dormant;
  /** Users' own events in MUC portals: reactions (and their redactions) to MucInteractions, the rest to MucBridge. */
  private LinkEvents mucPuppets;

  /**
   * @param section the {@code xmpp:} config section (validated here: a bad one fails the start)
   * @param serverName the homeserver's server name
   */
  public XmppConnector(JsonNode section, String serverName) {
    this.config = XmppConfig.parse(ConfigSection.of(section, PROTOCOL));
    this.serverName = serverName;
    this.namespaces = XmppNamespaces.of(config.prefixes(), serverName);
    this.ghostIds = new XmppGhostIds(config.prefixes().user(), serverName);
    this.aliases = new MucAliases(config.prefixes().alias(), serverName);
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public Namespaces namespaces() {
    return namespaces;
  }

  @Override
  public void start(ConnectorContext context) {
    this.context = context;
    // The listener runs only once the stream is started below, when every part exists.
    connection = new ComponentConnection(config.component(), new ComponentConnection.Listener() {
      @Override
      public void onReady() {
        mucs.onReady();
      }

      @Override
      public void onDisconnected() {
        mucs.onDisconnected();
        gateway.onDisconnected();
      }

      @Override
      public void onStanza(Stanza stanza) {
        if (gateway.handles(stanza)) {
          gateway.onStanza(stanza);
        } else if (vcards.handles(stanza)) {
          vcards.onStanza(stanza);
        } else if (userDisco.handles(stanza)) {
          userDisco.onStanza(stanza);
        } else if (chats.handles(stanza)) {
          chats.onStanza(stanza);
        } else {
          mucs.onStanza(stanza);
        }
      }

      @Override
      public boolean skipsUnparsed(String startTag) {
        return mucs.isUnneededCopy(startTag);
      }
    }, context.blockingExecutor(), new SecureRandom());
    // One message map for every part, so their rows share group commits.
    MessageMap messageMap = context.messageMap();
    mucs = new MucBridge(config, context, connection, ghostIds, aliases, messageMap);
    // One fetcher, so its cap on concurrent fetches holds for MUCs, gateway rooms and direct chats together.
    fetcher = new MediaFetcher(config.media().maxBytes(), config.media().allowedHosts());
    gateway = new GatewayBridge(config, context, connection, fetcher, ghostIds, messageMap);
    links = new MucLinks(context, mucs, config.component().domain());
    chats = new DirectChats(config, context, connection, mucs::isBridged, fetcher, ghostIds, messageMap);
    vcards = new MatrixVCards(context, connection, new MatrixUserJids(config.component().domain()), ghostIds);
    userDisco = new MatrixUserDisco(connection, new MatrixUserJids(config.component().domain()), ghostIds);
    interactions = new MucInteractions(context, mucs, ghostIds, messageMap);
    mucs.addMessageHook(interactions);
    mucPuppets = new MucPuppets(mucs, interactions);
    bridging = new dev.switchboard.xmpp.permission.BridgingPolicy(context, ghostIds);
    dmRefusals = new dev.switchboard.xmpp.permission.DirectChatRefusals(context, ghostIds);
    mucRelay = new dev.switchboard.xmpp.relay.MucRelay(context, mucs,
        new XmppMediaLinks(context.mediaLinks()),
        new dev.switchboard.core.permission.RelayNames(), messageMap);
    mucs.addMessageHook(new MucMediaHook(context, fetcher));
    dormant = new dev.switchboard.xmpp.permission.DormantPortals(context, mucs);
    ConnectorMeters meters = context.meters(PROTOCOL);
    ComponentConnection component = connection;
    for (ComponentConnection.State s : ComponentConnection.State.values()) {
      meters.gauge("component.state", "The component stream's state (1 = current)", component,
          c -> c.state() == s ? 1 : 0, "state", s.name().toLowerCase(java.util.Locale.ROOT));
    }
    meters.reconnects("component", component, c -> Math.max(0, c.connectAttempts() - 1));
    meters.gauge("mucs.joined", "Bridged MUCs the bridge's listener is in", mucs, MucBridge::joinedMucs);
    meters.gauge("muc.occupants", "Matrix users joined to bridged MUCs", mucs, MucBridge::joinedMatrixOccupants);
    mucs.restore();
    gateway.restore();
    connection.start();
    mucs.startSelfPing(context.scheduler());
  }

  @Override
  public void stop() {
    if (mucs != null) {
      mucs.stopSelfPing();
    }
    if (connection != null) {
      connection.close();
    }
    if (fetcher != null) {
      fetcher.close();
    }
  }

  // ---- Matrix events, sorted by the core; each goes to one part, picked once in route()

  @Override
  public CompletableFuture<Void> onMessage(MatrixMessage message, Link link) {
    // Stickers are not bridged yet; like any event of a user, one still wakes a dormant portal.
    boolean sticker = !"m.room.message".equals(message.event().type());
    return route(message.event(), link, part -> sticker ? done() : part.onMessage(message, link));
  }

  @Override
  public CompletableFuture<Void> onEdit(MatrixEdit edit, Link link) {
    return route(edit.event(), link, part -> part.onEdit(edit, link));
  }

  @Override
  public CompletableFuture<Void> onReaction(MatrixReaction reaction, Link link) {
    return route(reaction.event(), link, part -> part.onReaction(reaction, link));
  }

  @Override
  public CompletableFuture<Void> onRedaction(MatrixRedaction redaction, Link link) {
    return route(redaction.event(), link, part -> part.onRedaction(redaction, link));
  }

  @Override
  public CompletableFuture<Void> onRoomState(RoomStateChange change, Link link) {
    return route(change.event(), link, part -> part.onRoomState(change, link));
  }

  /** Outside any link: an invite of one of our ghosts, a direct chat (or, below level user, a refusal). */
  @Override
  public CompletableFuture<Void> onMembership(MembershipChange change, Optional<Link> link) {
    if (link.isPresent()) {
      return route(change.event(), link.get(), part -> part.onMembership(change, link.get()));
    }
    return whenStreamUp(change.event(), "", () -> bridging.of(change.event().sender()) == Permissions.Bridging.PUPPET
        ? chats.onUnlinkedMembership(change) : dmRefusals.refuse(change));
  }

  private CompletableFuture<Void> route(MatrixEvent event, Link link,
      Function<LinkEvents, CompletableFuture<Void>> deliver) {
    return whenStreamUp(event, link.remoteId(), () -> deliver(event, link, deliver));
  }

  /**
   * Permissions (issue 16): only user and admin act as themselves on XMPP (occupants, direct chats); relay users speak
   * through the bridge's own occupant; none users' events mostly never get here (core keeps them back). A dormant
   * portal (from an alias query) wakes for a user first, then the event goes out as usual.
   */
  private CompletableFuture<Void> deliver(MatrixEvent event, Link link,
      Function<LinkEvents, CompletableFuture<Void>> deliver) {
    Permissions.Bridging as = bridging.of(event.sender());
    if (DirectChats.owns(link)) {
      return as == Permissions.Bridging.PUPPET ? deliver.apply(chats) : done();
    }
    if (gateway.owns(link)) {
      return deliver.apply(gateway); // shows each member by their level itself
    }
    if (dormant.isDormant(link)) {
      return dormant.onEvent(event, link, as, () -> deliver(event, link, deliver));
    }
    if (as != Permissions.Bridging.PUPPET) {
      return as == Permissions.Bridging.RELAY ? deliver.apply(mucRelay) : done();
    }
    return deliver.apply(mucPuppets);
  }

  /**
   * Runs {@code handle} now while the component stream is up. While it is down the event waits for it here (its
   * future pending, so the dispatcher holds the room's later events behind it) and runs as soon as it is back, after
   * the MUC state was reset; a stanza buffered instead could reach a MUC before our occupant's rejoin. A dispatcher
   * retry after its accept timeout joins this wait rather than starting a second one, so nothing goes out twice.
   */
  private CompletableFuture<Void> whenStreamUp(MatrixEvent event, String remoteId,
      Supplier<CompletableFuture<Void>> handle) {
    if (connection.state() == ComponentConnection.State.READY) {
      return handle.get();
    }
    String key = event.eventId().value() + "|" + remoteId;
    CompletableFuture<Void> waiting = held.computeIfAbsent(key, k -> connection.whenReady()
        .thenComposeAsync(v -> handle.get(), context.blockingExecutor()));
    waiting.whenComplete((v, e) -> held.remove(key, waiting));
    return waiting;
  }

  private static CompletableFuture<Void> done() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> onEphemeralEvent(JsonNode event, Link link) {
    if (interactions == null || DirectChats.owns(link)) {
      return CompletableFuture.completedFuture(null); // typing and receipts in DMs: not yet
    }
    if (gateway.owns(link)) {
      return gateway.onEphemeral(event, link);
    }
    return interactions.onEphemeral(event, link);
  }

  // ---- third-party lookups (protocol xmpp)

  private dev.switchboard.xmpp.lookup.ThirdPartyLookup lookup() {
    return new dev.switchboard.xmpp.lookup.ThirdPartyLookup(
        aliases, ghostIds, config.component().domain(), serverName);
  }

  @Override
  public com.fasterxml.jackson.databind.node.ObjectNode thirdPartyProtocol() {
    return lookup().protocol();
  }

  @Override
  public CompletableFuture<com.fasterxml.jackson.databind.node.ArrayNode> thirdPartyLocations(
      java.util.Map<String, String> fields) {
    return CompletableFuture.completedFuture(lookup().locations(fields));
  }

  @Override
  public CompletableFuture<com.fasterxml.jackson.databind.node.ArrayNode> thirdPartyUsers(
      java.util.Map<String, String> fields) {
    return CompletableFuture.completedFuture(lookup().users(fields));
  }

  @Override
  public CompletableFuture<com.fasterxml.jackson.databind.node.ArrayNode> thirdPartyLocationsForAlias(String alias) {
    return CompletableFuture.completedFuture(lookup().locationsForAlias(alias));
  }

  @Override
  public CompletableFuture<com.fasterxml.jackson.databind.node.ArrayNode> thirdPartyUsersForUserId(String userId) {
    return CompletableFuture.completedFuture(lookup().usersForUserId(userId));
  }

  @Override
  public CompletableFuture<Optional<RoomId>> onAliasQuery(RoomAlias alias) {
    return mucs.onAliasQuery(alias);
  }

  @Override
  public CompletableFuture<Boolean> onUserQuery(UserId userId) {
    // The homeserver asks before an invite reaches a ghost (a DM opened from Matrix): it must exist when we say so.
    if (ghostIds.jidOf(userId).isEmpty() || context == null) {
      return CompletableFuture.completedFuture(false);
    }
    return context.intents().ghost(userId).ensureRegistered().handle((v, e) -> e == null);
  }

  @Override
  public String normaliseRemoteRoom(String remoteRoom) throws LinkException {
    return new MucLinks(null, null, config.component().domain()).normalise(remoteRoom);
  }

  @Override
  public CompletableFuture<Link> link(RoomId room, String remoteRoom, UserId requester) {
    return links.link(room, remoteRoom, requester);
  }

  @Override
  public CompletableFuture<Void> unlink(Link link) {
    return links.unlink(link);
  }

  @Override
  public ConnectorState state() {
    if (connection == null) {
      return ConnectorState.STARTING;
    }
    return switch (connection.state()) {
      case READY -> ConnectorState.RUNNING;
      case CONNECTING -> ConnectorState.CONNECTING;
      case DISCONNECTED -> ConnectorState.TRANSIENT_DISCONNECT;
      case REFUSED -> ConnectorState.BAD_CREDENTIALS;
      case CLOSED -> ConnectorState.STOPPED;
    };
  }
}
