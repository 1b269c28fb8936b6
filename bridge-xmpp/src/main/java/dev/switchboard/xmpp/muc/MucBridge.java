package dev.switchboard.xmpp.muc;

import static dev.switchboard.core.failure.Failures.rootCause;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.ConnectorMeters;
import dev.switchboard.core.connector.HubSettings;
import dev.switchboard.core.portal.LinkedRoomAliases;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.TopicRelay;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.GhostStore;
import dev.switchboard.core.store.MessageMapStore;
import dev.switchboard.xmpp.XmppConfig;
import dev.switchboard.xmpp.address.MatrixUserJids;
import dev.switchboard.xmpp.address.MucAliases;
import dev.switchboard.xmpp.address.XmppGhostIds;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.format.MatrixHtml;
import dev.switchboard.xmpp.format.XmppFormatting;
import dev.switchboard.xmpp.media.MediaLinks;
import dev.switchboard.xmpp.message.Replies;
import dev.switchboard.xmpp.message.Retraction;
import dev.switchboard.xmpp.stanza.LogText;
import dev.switchboard.xmpp.stanza.XmlText;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jivesoftware.smackx.muc.packet.MUCItem;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.FullJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MUC portals: creates them from alias queries, keeps one listening occupant per MUC, and moves messages, joins,
 * leaves and subjects between the MUC and its Matrix room.
 *
 * <p>Matrix members join the MUC with their own occupant only when they first speak: every join is broadcast to
 * every occupant, so members who never speak would cost the most presence traffic.
 */
public final class MucBridge {
  private static final Logger log = LoggerFactory.getLogger(MucBridge.class);
  private static final String PROTOCOL = "xmpp";
  private static final int MAX_NICK_CONFLICTS = 5;
  /** Numbered ghosts tried for one anonymous occupant JID (see anonymousGhost): far more than a nick is reused. */
  private static final int MAX_GHOST_NUMBER = 100;
  /** Messages kept back while the listener catches up from the archive (normally well under a second). */
  private static final int MAX_HELD_DURING_CATCH_UP = 10_000;

  private final XmppConfig config;
  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final MatrixUserJids userJids;
  private final XmppGhostIds ghostIds;
  private final MucAliases aliases;
  private final GhostStore ghostStore;
  private final MessageMapStore messageMap;
  private final MessageMapWriter mapWriter;
  private final Executor blocking;
  private final MediaLinks mediaLinks;
  private final FullJid listenerJid;
  private final MucCatchUp catchUp;
  /** Matrix messages done when the MUC reflects them, not when written (issue 15). */
  private final Reflections reflections;
  private final Map<EntityBareJid, MucRoom> byMuc = new ConcurrentHashMap<>();
  private final Map<RoomAlias, CompletableFuture<Optional<RoomId>>> creating = new ConcurrentHashMap<>();
  private static final long SEEN_EVERY_MS = 5_000;
  /** How far the MUC's clock may be ahead of ours before a history request could miss a message. */
  private static final long SEEN_CLOCK_MARGIN_MS = 5_000;
  private final Map<EntityBareJid, Long> lastMarked = new ConcurrentHashMap<>();
  /** The display name each ghost was last given in this run. */
  private final Map<UserId, String> ghostNames = new ConcurrentHashMap<>();
  /** Hub rooms: other networks' ghosts as occupants named {@code name[network]}; replies both ways. */
  private final HubSettings hub;
  private final LinkedRoomAliases linkedAliases;
  private final MucReplies replies;
  private final ConnectorMeters meters;
  /** Portals from alias queries whose listener waits for a user (issue 16). */
  private final DormantMucs dormant;

  public MucBridge(XmppConfig config, ConnectorContext context, ComponentConnection connection) {
    this.config = config;
    this.context = context;
    this.connection = connection;
    String domain = config.component().domain();
    this.userJids = new MatrixUserJids(domain);
    this.ghostIds = new XmppGhostIds(config.userPrefix(), context.serverName());
    this.aliases = new MucAliases(config.aliasPrefix(), context.serverName());
    this.ghostStore = new GhostStore(context.database(), context.clock());
    this.messageMap = new MessageMapStore(context.database(), context.clock());
    this.blocking = context.blockingExecutor();
    this.mapWriter = new MessageMapWriter(messageMap, blocking);
    this.hub = HubSettings.from(context.config(), "xmpp");
    this.linkedAliases = new LinkedRoomAliases(context.portals(), PROTOCOL,
        LinkedRoomAliases.allowed(context.config(), "xmpp"));
    this.replies = new MucReplies(messageMap, blocking, context.intents().bot(), context.serverName(),
        (room, user) -> nickOf(room.roomId, user));
    this.mediaLinks = new MediaLinks(config.media().baseUrl());
    this.meters = context.meters(PROTOCOL);
    this.dormant = new DormantMucs(new dev.switchboard.core.store.KvStore(context.database(), context.clock()),
        blocking);
    try {
      // '_bridge' has no escaped ':' so it can never be a Matrix user's address.
      this.listenerJid = JidCreate.fullFrom("_bridge@" + domain + "/listener");
    } catch (XmppStringprepException e) {
      throw new IllegalArgumentException("bad component domain " + domain, e);
    }
    this.catchUp = new MucCatchUp(connection, listenerJid);
    this.reflections = new Reflections(context.scheduler(), blocking, Reflections.TIMEOUT);
  }

  /**
   * A feature kept in its own class (reactions, chat states, markers) that takes some MUC messages from others before
   * the text path sees them.
   */
  public interface MessageHook {
    /** The work to run, in the room's order, for a message this hook takes; empty to leave it to others. */
    Optional<java.util.function.Supplier<CompletableFuture<?>>> onMucMessage(RoomId room, EntityBareJid muc,
        UserId sender, Message message);
  }

  private final List<MessageHook> hooks = new java.util.concurrent.CopyOnWriteArrayList<>();

  public void addMessageHook(MessageHook hook) {
    hooks.add(hook);
  }

  /**
   * Sends a stanza as {@code user}'s occupant in the MUC of {@code link}, joining it first (as a message would);
   * {@code id} is remembered as ours so the MUC's reflection is not bridged back.
   */
  public CompletableFuture<Void> sendAsOccupant(Link link, UserId user, String id, EventId event,
      java.util.function.Function<FullJid, Message> stanza) {
    Optional<MucRoom> room = roomOf(link);
    if (room.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return ensureOccupantSurvivingOutages(room.get(), user).thenCompose(v -> {
      room.get().rememberSent(id, event);
      return deliver(room.get(), stanza.apply(fullJidOf(user)));
    });
  }

  /** Sends as {@code user}'s occupant only if it is in the MUC already (typing and read markers never join). */
  public boolean sendIfJoined(Link link, UserId user, java.util.function.Function<FullJid, Message> stanza) {
    Optional<MucRoom> room = roomOf(link);
    MucRoom.MatrixOccupant o = room.map(r -> r.matrixOccupants.get(user)).orElse(null);
    if (o == null || !o.isJoined()) {
      return false;
    }
    connection.send(stanza.apply(fullJidOf(user)));
    return true;
  }

  /**
   * Sends a stanza as the bridge's listener occupant in the MUC of {@code link} (relay mode, xmpp.relay.MucRelay);
   * {@code id} is remembered as ours, so the reflection's stanza-id goes into the message map for {@code event}.
   * While the listener is not (yet, or again after an outage) in the MUC, the stanza waits for it: the MUC would
   * refuse a message from a non-occupant.
   */
  public CompletableFuture<Void> sendAsListener(Link link, String id, EventId event,
      java.util.function.Function<FullJid, Message> stanza) {
    Optional<MucRoom> room = roomOf(link);
    if (room.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return connection.whenReady().thenCompose(v -> listenerIn(room.get())).thenCompose(v -> {
      room.get().rememberSent(id, event);
      return deliver(room.get(), stanza.apply(listenerJid));
    });
  }

  /**
   * {@link #sendAsListener} for a relayed reply to {@code target}: {@code stanza} gets the sender and the quote of
   * the original (XEP-0461 fallback, naming its author as the MUC knows them), and the reply reference is added.
   */
  public CompletableFuture<Void> sendReplyAsListener(Link link, String id, MatrixEvent event, EventId target,
      java.util.function.BiFunction<FullJid, String, Message> stanza) {
    Optional<MucRoom> room = roomOf(link);
    if (room.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return replies.outgoing(room.get(), event, target).thenCompose(reply -> {
      String quote = XmlText.clean(reply.quote());
      return sendAsListener(link, id, event.eventId(), from -> {
        Message m = stanza.apply(from, quote);
        m.addExtension(Replies.element(reply.id(), reply.to()));
        m.addExtension(Replies.fallback(quote.codePointCount(0, quote.length())));
        return m;
      });
    });
  }

  /** Completes once the listener is in the room, or after the IQ timeout (then the MUC's error is logged). */
  private CompletableFuture<Void> listenerIn(MucRoom room) {
    if (room.listenerJoined) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> in = new CompletableFuture<>();
    java.util.concurrent.ScheduledFuture<?> poll = context.scheduler().scheduleWithFixedDelay(() -> {
      if (room.listenerJoined) {
        in.complete(null);
      }
    }, 50, 50, TimeUnit.MILLISECONDS);
    return in.completeOnTimeout(null, config.component().iqTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((v, e) -> poll.cancel(false));
  }

  private Optional<MucRoom> roomOf(Link link) {
    try {
      EntityBareJid muc = JidCreate.entityBareFrom(link.remoteId());
      return Optional.of(byMuc.computeIfAbsent(muc, m -> new MucRoom(m, link.roomId(), config.listenerNick())));
    } catch (XmppStringprepException e) {
      return Optional.empty();
    }
  }

  /** Loads the portals of earlier runs; their listeners join once the component is connected. */
  public void restore() {
    for (Link link : context.portals().linksOfProtocol(PROTOCOL)) {
      if (link.remoteId().startsWith("chat:")) {
        continue; // a direct chat (chat.DirectChats)
      }
      try {
        EntityBareJid muc = JidCreate.entityBareFrom(link.remoteId());
        if (muc.getDomain().toString().equals(config.component().domain())) {
          continue; // a gateway room on our own component, not a MUC elsewhere
        }
        byMuc.put(muc, new MucRoom(muc, link.roomId(), config.listenerNick()));
      } catch (XmppStringprepException e) {
        log.warn("Ignoring XMPP link of {} to '{}': not a MUC address", link.roomId(), link.remoteId());
      }
    }
    dormant.load(byMuc.keySet());
  }

  // ---- component events (callback executor, in stream order)

  public void onReady() {
    for (MucRoom room : byMuc.values()) {
      if (!dormant.isDormant(room.muc)) {
        joinListener(room);
      }
    }
  }

  public void onDisconnected() {
    reflections.onDisconnected();
    for (MucRoom room : byMuc.values()) {
      room.listenerJoined = false;
      // The MUC forgot our occupants with the stream; they rejoin when their users next speak.
      room.matrixOccupants.values().forEach(o -> o.joined.completeExceptionally(
          new ComponentConnection.DisconnectedException("component stream lost")));
      room.matrixOccupants.clear();
    }
  }

  public void onStanza(Stanza stanza) {
    try {
      if (stanza instanceof IQ iq) {
        answerIq(iq);
        return;
      }
      Jid from = stanza.getFrom();
      if (stanza instanceof Message message) {
        reflections.onMessage(message); // before the catch-up may hold it back: the sender waits for it
      }
      if (from == null || catchUp.take(stanza)) {
        return;
      }
      MucRoom room = from.asEntityBareJidIfPossible() == null ? null : byMuc.get(from.asEntityBareJidIfPossible());
      if (room == null) {
        log.debug("Ignoring a {} from {}: no portal", stanza.getClass().getSimpleName(), LogText.of(from));
        return;
      }
      if (stanza instanceof Presence presence) {
        onPresence(room, presence);
      } else if (stanza instanceof Message message) {
        onMessage(room, message);
      }
    } catch (RuntimeException e) {
      log.warn("Failed to handle {} from {}: {}", stanza.getClass().getSimpleName(), LogText.of(stanza.getFrom()),
          LogText.of(e), e);
    }
  }

  // ---- portals

  /** See {@code Connector.onAliasQuery}: disco#info the MUC (briefly), create the room, link it, answer. */
  public CompletableFuture<Optional<RoomId>> onAliasQuery(RoomAlias alias) {
    Optional<EntityBareJid> muc = aliases.mucOf(alias);
    if (muc.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    // One creation per alias while it is pending. Not computeIfAbsent: the answer may complete at once (an existing
    // room), and removing the entry from inside computeIfAbsent's function throws "Recursive update".
    CompletableFuture<Optional<RoomId>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<RoomId>> pending = creating.putIfAbsent(alias, mine);
    if (pending != null) {
      return pending;
    }
    createPortal(alias, muc.get()).whenComplete((room, err) -> {
      creating.remove(alias, mine);
      if (err != null) {
        mine.completeExceptionally(err);
      } else {
        mine.complete(room);
      }
    });
    return mine;
  }

  private CompletableFuture<Optional<RoomId>> createPortal(RoomAlias alias, EntityBareJid muc) {
    // An existing portal; or a MUC already linked (e.g. by !link into a hub room, where xmpp.hub.portal_aliases
    // allows it): the alias joins that room. Otherwise a new portal.
    return linkedAliases.resolve(alias, muc.toString(), context.intents().bot(), blocking,
        () -> discoInfo(muc).thenCompose(info -> {
            if (info.isPresent() && !info.get().exists()) {
              log.info("Alias {}: {} is not a MUC ({})", alias, muc, info.get().why());
              return CompletableFuture.completedFuture(Optional.<RoomId>empty());
            }
            String name = info.flatMap(MucInfo::name).orElse(muc.getLocalpart().toString());
            return context.intents().bot().createRoom(createRoomRequest(alias, muc, name))
                .thenApplyAsync(room -> {
                  dormant.add(muc); // the listener joins once a user is in the room (issue 16)
                  context.portals().createPortal(room, alias, List.of(new Link(room, PROTOCOL, muc.toString(), false)));
                  rememberMuc(muc, room);
                  MucRoom state = new MucRoom(muc, room, config.listenerNick());
                  byMuc.put(muc, state);
                  log.info("Portal {} for MUC {} created as {}; the bridge joins the MUC once a user is in it",
                      alias, muc, room);
                  return Optional.of(room);
                }, blocking);
          }));
  }

  /** What disco#info said; empty when the MUC did not answer in time (we create the portal anyway). */
  private record MucInfo(boolean exists, Optional<String> name, String why) {}

  /**
   * Asks the MUC's disco#info, but answers with empty once {@code disco_timeout_ms} has passed: the homeserver holds
   * the user's join on our alias answer, and a slow XMPP server must not make it time out (issue 8). A late answer
   * that says there is no such MUC is logged; the portal stays, and its listener's join will fail visibly.
   */
  private CompletableFuture<Optional<MucInfo>> discoInfo(EntityBareJid muc) {
    DiscoverInfo request = DiscoverInfo.builder("disco-" + UUID.randomUUID()).to(muc).from(listenerJid.asDomainBareJid())
        .ofType(IQ.Type.get).build();
    CompletableFuture<Optional<MucInfo>> answer = connection.request(request)
        .handle((iq, err) -> err != null ? Optional.<MucInfo>empty() : Optional.of(readInfo(iq)));
    CompletableFuture<Optional<MucInfo>> inTime = answer.copy()
        .completeOnTimeout(Optional.empty(), config.discoTimeout().toMillis(), TimeUnit.MILLISECONDS);
    inTime.thenAccept(info -> {
      if (info.isEmpty()) {
        log.info("No disco#info from {} within {}; creating the portal anyway", muc, config.discoTimeout());
        answer.thenAccept(late -> late.filter(i -> !i.exists()).ifPresent(i -> log.warn(
            "disco#info from {} came late and says it is not a MUC ({}); its portal will stay empty", muc, i.why())));
      }
    });
    return inTime;
  }

  /**
   * Plumbing: asks the MUC's disco#info with the full IQ timeout and completes with why it cannot be bridged, or empty
   * when it is a MUC.
   */
  public CompletableFuture<Optional<String>> whyNotAMuc(EntityBareJid muc) {
    DiscoverInfo request = DiscoverInfo.builder("disco-" + UUID.randomUUID()).to(muc).from(listenerJid.asDomainBareJid())
        .ofType(IQ.Type.get).build();
    return connection.request(request).handle((iq, err) -> {
      if (err != null) {
        return Optional.of("no answer from " + muc + " (" + rootCause(err).getMessage() + ")");
      }
      MucInfo info = readInfo(iq);
      return info.exists() ? Optional.<String>empty() : Optional.of(info.why());
    });
  }

  /** Whether {@code link} is a MUC portal that waits for a user before the bridge joins the MUC (issue 16). */
  public boolean isDormant(Link link) {
    try {
      return dormant.isDormant(JidCreate.entityBareFrom(link.remoteId()));
    } catch (XmppStringprepException e) {
      return false;
    }
  }

  /**
   * Wakes a dormant portal (someone at level {@code user} is in its room): the listener joins the MUC. Completes once
   * it is in (or after the IQ timeout), so the waking event goes out with the listener there to hear the reflection.
   */
  public CompletableFuture<Void> wake(Link link) {
    Optional<MucRoom> room = roomOf(link);
    if (room.isEmpty() || !dormant.remove(room.get().muc)) {
      return CompletableFuture.completedFuture(null);
    }
    log.info("Portal for {} woken: a user is in its room", room.get().muc);
    if (connection.state() == ComponentConnection.State.READY) {
      joinListener(room.get()); // otherwise onReady joins it
    }
    return listenerIn(room.get());
  }

  /** For the MUC gauges: how many bridged MUCs the listener is in, and how many Matrix users are occupants. */
  public int joinedMucs() {
    return (int) byMuc.values().stream().filter(r -> r.listenerJoined).count();
  }

  public int joinedMatrixOccupants() {
    return byMuc.values().stream().mapToInt(r -> (int) r.matrixOccupants.values().stream()
        .filter(MucRoom.MatrixOccupant::isJoined).count()).sum();
  }

  /** True when {@code jid} is a MUC this bridge listens in. */
  public boolean isBridged(org.jxmpp.jid.BareJid jid) {
    EntityBareJid muc = jid.asEntityBareJidIfPossible();
    return muc != null && byMuc.containsKey(muc);
  }

  /** Plumbing: starts bridging {@code muc} into {@code room} (the link is already stored); the listener joins. */
  public void startBridging(RoomId room, EntityBareJid muc) {
    dormant.remove(muc); // an admin's link is active at once
    rememberMuc(muc, room);
    MucRoom state = new MucRoom(muc, room, config.listenerNick());
    byMuc.put(muc, state);
    joinListener(state);
  }

  /**
   * Unplumbing: the listener and our users' occupants leave the MUC, and every XMPP ghost leaves the Matrix room
   * (those this run knows, and any other of our ghosts still joined).
   */
  public CompletableFuture<Void> stopBridging(EntityBareJid muc) {
    MucRoom room = byMuc.remove(muc);
    dormant.remove(muc); // a later link of the MUC starts afresh
    if (room == null) {
      return CompletableFuture.completedFuture(null);
    }
    MucStanzas.occupant(muc, room.listenerNick).ifPresent(o -> connection.send(MucStanzas.leave(listenerJid, o)));
    room.matrixOccupants.forEach((user, o) -> MucStanzas.occupant(muc, o.nick)
        .ifPresent(occ -> connection.send(MucStanzas.leave(fullJidOf(user), occ))));
    room.matrixOccupants.clear();
    return context.intents().bot().joinedMembers(room.roomId)
        .handle((members, err) -> err == null ? members.keySet() : Set.copyOf(room.ghostByNick.values()))
        .thenCompose(members -> CompletableFuture.allOf(members.stream().filter(ghostIds::isGhost)
            .map(g -> context.intents().ghost(g).leave(room.roomId).exceptionally(e -> null))
            .toArray(CompletableFuture[]::new)));
  }

  private static MucInfo readInfo(IQ iq) {
    if (iq.getType() == IQ.Type.error) {
      return new MucInfo(false, Optional.empty(), iq.getError().getCondition().toString());
    }
    if (!(iq instanceof DiscoverInfo info) || !info.hasIdentity("conference", "text")) {
      return new MucInfo(false, Optional.empty(), "no conference/text identity");
    }
    Optional<String> name = info.getIdentities("conference", "text").stream()
        .map(DiscoverInfo.Identity::getName).filter(n -> n != null && !n.isBlank()).findFirst();
    return new MucInfo(true, name, "ok");
  }

  private ObjectNode createRoomRequest(RoomAlias alias, EntityBareJid muc, String name) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode req = f.objectNode();
    req.put("room_alias_name", alias.localpart());
    req.put("name", name);
    req.put("preset", "public_chat");
    req.put("visibility", "private");
    ObjectNode bridge = f.objectNode();
    bridge.put("bridgebot", context.intents().bot().userId().value());
    bridge.set("protocol", f.objectNode().put("id", PROTOCOL).put("displayname", "XMPP"));
    bridge.set("network", f.objectNode().put("id", muc.getDomain().toString())
        .put("displayname", muc.getDomain().toString()));
    bridge.set("channel", f.objectNode().put("id", muc.toString()).put("displayname", name));
    ArrayNode initial = req.putArray("initial_state");
    String stateKey = "dev.switchboard://xmpp/" + muc;
    for (String type : List.of("m.bridge", "uk.half-shot.bridge")) {
      initial.addObject().put("type", type).put("state_key", stateKey).set("content", bridge);
    }
    return req;
  }

  private void rememberMuc(EntityBareJid muc, RoomId room) {
    context.database().inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "INSERT INTO xmpp_muc (muc_jid, room_id) VALUES (?, ?) ON CONFLICT (muc_jid) DO UPDATE SET room_id = ?")) {
        st.setString(1, muc.toString());
        st.setString(2, room.value());
        st.setString(3, room.value());
        return st.executeUpdate();
      }
    });
  }

  private Optional<Date> lastSeen(EntityBareJid muc) {
    return context.database().inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement("SELECT last_seen_ms FROM xmpp_muc WHERE muc_jid = ?")) {
        st.setString(1, muc.toString());
        try (ResultSet rs = st.executeQuery()) {
          if (rs.next()) {
            long ms = rs.getLong(1);
            return rs.wasNull() ? Optional.<Date>empty() : Optional.of(new Date(ms));
          }
          return Optional.<Date>empty();
        }
      }
    });
  }

  /**
   * Records when we last heard from the MUC, at most every {@link #SEEN_EVERY_MS}: a write per message would cap a
   * busy room's throughput, and an older mark only asks for a little more history after a reconnect (the ghosts' txn
   * ids drop what was already bridged).
   */
  private void markSeen(EntityBareJid muc, long receivedMs) {
    // The time the message arrived, not now: a message that came after it may not be in the outbound queue yet,
    // and must still be asked for again after a crash. Less a margin for the MUC's clock against ours.
    long now = receivedMs - SEEN_CLOCK_MARGIN_MS;
    Long last = lastMarked.get(muc);
    if (last != null && now - last < SEEN_EVERY_MS) {
      return;
    }
    lastMarked.put(muc, now);
    blocking.execute(() -> context.database().inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement("UPDATE xmpp_muc SET last_seen_ms = ? WHERE muc_jid = ?")) {
        st.setLong(1, now);
        st.setString(2, muc.toString());
        return st.executeUpdate();
      }
    }));
  }

  private void joinListener(MucRoom room) {
    Optional<EntityFullJid> occupant = MucStanzas.occupant(room.muc, room.listenerNick);
    if (occupant.isEmpty()) {
      log.warn("Listener nick '{}' is not valid in {}", room.listenerNick, room.muc);
      return;
    }
    CompletableFuture.supplyAsync(() -> lastSeen(room.muc), blocking)
        .exceptionally(e -> Optional.empty())
        .thenAccept(since -> {
          room.catchUpSince = since.orElse(null);
          connection.send(MucStanzas.join(listenerJid, occupant.get(), since));
        });
  }

  // ---- XMPP -> Matrix

  private void onPresence(MucRoom room, Presence presence) {
    String nick = presence.getFrom().getResourceOrEmpty().toString();
    Jid to = presence.getTo();
    MUCUser x = MUCUser.from(presence);
    boolean self = x != null && x.getStatus().contains(MUCUser.Status.PRESENCE_TO_SELF_110);
    if (to != null && !to.equals(listenerJid)) {
      userJids.userOf(to).ifPresent(user -> onOwnOccupantPresence(room, user, presence, x, self));
      return;
    }
    if (presence.getType() == Presence.Type.error) {
      if (isConflict(presence) && room.listenerConflicts++ < MAX_NICK_CONFLICTS) {
        room.listenerNick = config.listenerNick() + "[" + (room.listenerConflicts + 1) + "]";
        joinListener(room);
      } else {
        log.warn("The listener cannot join {}: {}", room.muc, LogText.of(presence.getError()));
      }
      return;
    }
    if (nick.isEmpty()) {
      return;
    }
    if (self || room.isOurNick(nick)) {
      if (self) {
        room.listenerJoined = presence.getType() == Presence.Type.available;
        java.util.Date since = room.catchUpSince;
        if (room.listenerJoined && since != null) {
          // The join's history holds at most the MUC's history length: the archive has the rest of the gap.
          room.catchUpSince = null;
          room.heldDuringCatchUp = new java.util.ArrayList<>();
          // All on the callback executor, in stream order: the archive's pages, then what arrived meanwhile.
          catchUp.since(room.muc, since, archived -> bridgeSafely(room, archived)).whenComplete((v, e) -> {
            List<Message> held = room.heldDuringCatchUp;
            room.heldDuringCatchUp = null;
            if (held != null) {
              held.forEach(m -> bridgeSafely(room, m));
            }
          });
        }
      }
      return;
    }
    Jid occupant = presence.getFrom();
    MUCItem item = x == null ? null : x.getItem();
    if (presence.getType() == Presence.Type.available) {
      UserId ghost = ghostOfOccupant(room, occupant, item);
      room.ghostByNick.put(nick, ghost);
      int level = item == null ? 0 : MucRoles.powerLevel(item.getAffiliation(), item.getRole());
      inOrder(room, () -> ensureGhost(ghost, occupant, nick)
          .thenCompose(g -> context.intents().ghost(g).ensureJoined(room.roomId))
          .thenCompose(v -> syncPowerLevel(room, ghost, level)));
    } else if (presence.getType() == Presence.Type.unavailable) {
      Set<MUCUser.Status> status = x == null ? Set.of() : x.getStatus();
      UserId ghost = room.ghostByNick.remove(nick);
      UserId left = ghost != null ? ghost : ghostOfOccupant(room, occupant, item);
      String reason = item == null || item.getReason() == null ? "" : item.getReason();
      if (status.contains(MUCUser.Status.NEW_NICKNAME_303) && item != null && item.getNick() != null) {
        // XEP-0045 § 7.6: the same person comes back as the new nick; the ghost follows, nobody leaves.
        room.ghostByNick.put(item.getNick().toString(), left);
      } else if (status.contains(MUCUser.Status.BANNED_301)) {
        inOrder(room, () -> context.intents().bot().ban(room.roomId, left, "banned in XMPP: " + reason));
      } else if (status.contains(MUCUser.Status.KICKED_307)) {
        inOrder(room, () -> context.intents().bot().kick(room.roomId, left, "kicked in XMPP: " + reason));
      } else {
        inOrder(room, () -> context.intents().ghost(left).leave(room.roomId));
      }
    }
  }

  /**
   * The ghost of an occupant: the person's own ghost where the MUC tells us their real JID (non-anonymous rooms,
   * or when we moderate), else the ghost the nick already stands for (303 moves it), else {@link #anonymousGhost}.
   */
  private UserId ghostOfOccupant(MucRoom room, Jid occupant, MUCItem item) {
    if (item != null && item.getJid() != null) {
      return ghostIds.ghostOf(item.getJid().asBareJid());
    }
    UserId known = room.ghostByNick.get(occupant.getResourceOrEmpty().toString());
    return known != null ? known : anonymousGhost(room, occupant);
  }

  private void bridgeSafely(MucRoom room, Message message) {
    try {
      bridgeMessage(room, message);
    } catch (RuntimeException e) {
      log.warn("Message in {} not bridged: {}", room.muc, LogText.of(e));
    }
  }

  /**
   * True for MUC history (XEP-0203 delay) the bridge already bridged, e.g. after the rejoin of a restart, which asks
   * for a little more than it missed. Checked here, not left to txn ids: the sender may have renamed since, and a
   * ghost resolved from the old nick now could post it again under another user's txn ids. Reads the message map
   * (history only, on the callback executor, a blocking pool).
   */
  private boolean isBridgedHistory(MucRoom room, Message message, String stanzaId) {
    if (org.jivesoftware.smackx.delay.packet.DelayInformation.from(message) == null) {
      return false;
    }
    String key = "sid:" + stanzaId;
    return room.inFlight.containsKey(key) || messageMap.byRemote(
        new MessageMapStore.RemoteMessage(PROTOCOL, room.muc.toString(), key)).isPresent();
  }

  /** The ghost of a message's sender; with no presence seen for the nick (yet), looked up as for a presence. */
  private UserId senderOf(MucRoom room, String nick, Jid occupant) {
    UserId known = room.ghostByNick.get(nick);
    if (known != null) {
      return known;
    }
    UserId resolved = anonymousGhost(room, occupant);
    UserId raced = room.ghostByNick.putIfAbsent(nick, resolved);
    return raced != null ? raced : resolved;
  }

  /**
   * The ghost of an anonymous occupant this run has not seen yet. One person keeps one ghost across renames and
   * restarts: the ghost row's remote id follows the occupant JID through every 303, so the ghost that last stood for
   * this occupant JID is theirs (they renamed before a restart). Else the ghost named after the occupant JID, unless
   * that one followed its first holder's rename (it stands for another nick now, in this run or in the store): then
   * the next numbered ghost nobody holds. Reads the store; runs on the callback executor, a blocking pool.
   */
  private UserId anonymousGhost(MucRoom room, Jid occupant) {
    String remoteId = occupant.toString();
    java.util.Collection<UserId> inUse = room.ghostByNick.values();
    Optional<GhostStore.Ghost> holder = ghostStore.find(PROTOCOL, remoteId);
    if (holder.isPresent() && !inUse.contains(holder.get().userId())) {
      return holder.get().userId();
    }
    for (int n = 1; n < MAX_GHOST_NUMBER; n++) {
      UserId candidate = ghostIds.ghostOf(occupant, n);
      if (!inUse.contains(candidate) && ghostStore.find(candidate)
          .map(g -> g.remoteId().equals(remoteId)).orElse(true)) {
        return candidate;
      }
    }
    return ghostIds.ghostOf(occupant, MAX_GHOST_NUMBER);
  }

  /** Gives the ghost the power level of its affiliation and role, when that changed. */
  private CompletableFuture<Void> syncPowerLevel(MucRoom room, UserId ghost, int level) {
    Integer known = room.ghostLevels.get(ghost);
    if (known != null && known == level) {
      return CompletableFuture.completedFuture(null);
    }
    Intent bot = context.intents().bot();
    return bot.getState(room.roomId, "m.room.power_levels", "").thenCompose(state -> {
      ObjectNode content = state == null || !state.isObject() ? JsonNodeFactory.instance.objectNode()
          : ((ObjectNode) state).deepCopy();
      ObjectNode users = content.with("users");
      int current = users.path(ghost.value()).asInt(content.path("users_default").asInt(0));
      if (current == level) {
        room.ghostLevels.put(ghost, level);
        return CompletableFuture.<Void>completedFuture(null);
      }
      if (level == content.path("users_default").asInt(0)) {
        users.remove(ghost.value());
      } else {
        users.put(ghost.value(), level);
      }
      return bot.sendState(room.roomId, "m.room.power_levels", "", content)
          .thenAccept(e -> room.ghostLevels.put(ghost, level));
    });
  }

  private void onOwnOccupantPresence(MucRoom room, UserId user, Presence presence, MUCUser x, boolean self) {
    MucRoom.MatrixOccupant o = room.matrixOccupants.get(user);
    if (o == null) {
      return;
    }
    if (presence.getType() == Presence.Type.error) {
      if (isConflict(presence) && ++o.conflicts <= MAX_NICK_CONFLICTS) {
        o.wanted = o.conflicts == 1 ? o.baseNick + "[m]" : o.baseNick + "[m" + o.conflicts + "]";
        if (!o.isJoined()) {
          o.nick = o.wanted;
        }
        sendOccupantJoin(room, user, o);
      } else if (o.isJoined()) {
        log.info("{} keeps nick '{}' in {}: {}", user, LogText.of(o.nick), room.muc, LogText.of(presence.getError()));
        o.wanted = o.nick;
      } else {
        room.matrixOccupants.remove(user, o);
        o.joined.completeExceptionally(new IllegalStateException(user + " cannot join " + room.muc + ": "
            + presence.getError()));
      }
    } else if (self && presence.getType() == Presence.Type.available) {
      // The MUC may have changed the nick we asked for (XEP-0045 § 7.2.9, status 210): it is what it says.
      o.nick = presence.getFrom().getResourceOrEmpty().toString();
      o.wanted = o.nick;
      o.joined.complete(null);
    } else if (self && presence.getType() == Presence.Type.unavailable) {
      MUCItem item = x.getItem();
      if (x.getStatus().contains(MUCUser.Status.NEW_NICKNAME_303) && item != null && item.getNick() != null) {
        o.nick = item.getNick().toString();
        return;
      }
      room.matrixOccupants.remove(user, o);
      if (x.getStatus().contains(MUCUser.Status.KICKED_307) || x.getStatus().contains(MUCUser.Status.BANNED_301)) {
        log.info("{} was removed from {} ({})", user, room.muc, x.getStatus());
      }
    }
  }

  private static boolean isConflict(Presence presence) {
    return presence.getError() != null && presence.getError().getCondition() == StanzaError.Condition.conflict;
  }

  private void onMessage(MucRoom room, Message message) {
    List<Message> held = room.heldDuringCatchUp;
    if (held != null) {
      // Behind the archive's older messages, so Matrix gets the room in order (the join's history and live ones).
      if (held.size() < MAX_HELD_DURING_CATCH_UP) {
        held.add(message);
      } else {
        log.warn("{}: more than {} messages during the archive catch-up; bridging this one now", room.muc,
            MAX_HELD_DURING_CATCH_UP);
        bridgeMessage(room, message);
      }
      return;
    }
    bridgeMessage(room, message);
  }

  private void bridgeMessage(MucRoom room, Message message) {
    if (message.getType() == Message.Type.error) {
      log.info("Error from {} to {}: {}", LogText.of(message.getFrom()), message.getTo(),
          LogText.of(message.getError()));
      return;
    }
    if (message.getType() != Message.Type.groupchat || !listenerJid.equals(message.getTo())) {
      return; // copies for our Matrix users' occupants: the listener's copy is enough
    }
    long receivedMs = context.clock().millis();
    String nick = message.getFrom().getResourceOrEmpty().toString();
    Optional<String> stanzaId = MucStanzas.stanzaIdBy(message, room.muc);
    EventId ours = room.sentEvent(MucStanzas.originId(message).orElse(message.getStanzaId()));
    if (ours != null || (!nick.isEmpty() && room.isOurNick(nick))) {
      // The MUC reflects what we sent; remember its stanza-id for later references, send nothing back.
      if (ours != null && stanzaId.isPresent()) {
        // Known in memory until the row is written, so a reaction or reply right behind it finds it.
        String sidKey = "sid:" + stanzaId.get();
        CompletableFuture<EventId> known = CompletableFuture.completedFuture(ours);
        room.inFlight.put(sidKey, known);
        mapWriter.put(List.of(new MessageMapStore.NewMapping(
                new MessageMapStore.RemoteMessage(PROTOCOL, room.muc.toString(), sidKey), room.roomId, ours)))
            .whenComplete((v, e) -> room.inFlight.remove(sidKey, known));
      }
      return;
    }
    if (nick.isEmpty()) {
      return; // a message from the room itself (status notices)
    }
    if (stanzaId.isPresent() && isBridgedHistory(room, message, stanzaId.get())) {
      return;
    }
    Jid occupant = message.getFrom();
    UserId sender = senderOf(room, nick, occupant);
    String key = stanzaId.map(id -> "sid:" + id)
        .orElseGet(() -> message.getStanzaId() != null ? senderKey(sender, message.getStanzaId())
            : "none:" + UUID.randomUUID());
    String txn = "xmpp|" + room.muc + "|" + key;
    for (MessageHook hook : hooks) {
      Optional<java.util.function.Supplier<CompletableFuture<?>>> work =
          hook.onMucMessage(room.roomId, room.muc, sender, message);
      if (work.isPresent()) {
        inOrder(room, work.get());
        return;
      }
    }
    Optional<String> retracted = Retraction.targetOf(message);
    if (retracted.isPresent()) {
      // Checked before the body: a retraction carries a fallback body for old clients.
      inOrder(room, () -> eventOf(room, sender, retracted.get())
          .thenAccept(target -> target.ifPresent(t -> whenAnswered(room,
              context.intents().ghost(sender).redact(room.roomId, t, "retracted in XMPP", txn), "retraction"))));
      return;
    }
    String body = message.getBody();
    Optional<Replies.Reply> reply = body == null ? Optional.empty() : Replies.of(message);
    if (reply.isPresent()) {
      body = Replies.withoutFallback(message, body);
    }
    if (body == null) {
      String subject = message.getSubject();
      if (subject != null) {
        inOrder(room, () -> setTopic(room, subject));
      }
      return;
    }
    ObjectNode content = JsonNodeFactory.instance.objectNode();
    if (body.startsWith("/me ")) {
      content.put("msgtype", "m.emote").put("body", body.substring(4));
    } else {
      content.put("msgtype", "m.text").put("body", body);
    }
    // XHTML-IM (sanitised), else XEP-0393 styling, becomes Matrix HTML; the directives stay in the plain body.
    XmppFormatting.apply(message, content, "m.emote".equals(content.path("msgtype").asText()));
    MessageCorrectExtension correction = MessageCorrectExtension.from(message);
    String ownKey = message.getStanzaId() != null && correction == null
        ? senderKey(sender, message.getStanzaId()) : null; // XEP-0308 corrections name the sender's own id
    // The step ends once the send is queued: the outbound queue keeps the room's order, and the next message must
    // not wait for this one's round trip to the homeserver. Look-ups happen only for corrections and replies.
    inOrder(room, () -> ensureGhost(sender, occupant, nick)
        .thenCompose(ghost -> correction != null ? eventOf(room, sender, correction.getIdInitialMessage())
            : reply.isPresent() ? replyTarget(room, reply.get()) : CompletableFuture.completedFuture(Optional.empty()))
        .thenAccept(related -> {
          ObjectNode toSend = content;
          if (correction != null) {
            toSend = related.map(r -> edit(r, content)).orElse(content);
          } else {
            related.ifPresent(t ->
                content.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", t.value()));
          }
          CompletableFuture<EventId> sent = context.intents().ghost(sender).sendMessage(room.roomId, toSend, txn);
          room.inFlight.put(key, sent);
          if (ownKey != null) {
            room.inFlight.put(ownKey, sent);
          }
          sent.handle((event, err) -> {
            if (err != null) {
              log.warn("XMPP -> Matrix message in {} ({}) failed: {}", room.roomId, room.muc,
                  rootCause(err).toString());
              return CompletableFuture.completedFuture((Void) null);
            }
            List<MessageMapStore.NewMapping> rows = new java.util.ArrayList<>();
            rows.add(new MessageMapStore.NewMapping(
                new MessageMapStore.RemoteMessage(PROTOCOL, room.muc.toString(), key), room.roomId, event));
            if (ownKey != null) {
              rows.add(new MessageMapStore.NewMapping(
                  new MessageMapStore.RemoteMessage(PROTOCOL, room.muc.toString(), ownKey), room.roomId, event));
            }
            return mapWriter.put(rows).thenRun(() -> markSeen(room.muc, receivedMs));
          }).thenCompose(f -> f).whenComplete((v, e) -> {
            // Only after the rows are written, so a look-up finds the message in one place or the other.
            room.inFlight.remove(key, sent);
            if (ownKey != null) {
              room.inFlight.remove(ownKey, sent);
            }
          });
        }));
  }

  /** Logs a queued homeserver write that failed for good; the room's chain does not wait for its answer. */
  private void whenAnswered(MucRoom room, CompletableFuture<?> write, String what) {
    write.whenComplete((r, err) -> {
      if (err != null) {
        log.warn("XMPP -> Matrix {} in {} ({}) failed: {}", what, room.roomId, room.muc, rootCause(err).toString());
      }
    });
  }

  /** The event an XMPP reply answers: a message still being sent, else the message map (off this thread). */
  private CompletableFuture<Optional<EventId>> replyTarget(MucRoom room, Replies.Reply reply) {
    CompletableFuture<EventId> pending = room.inFlight.get("sid:" + reply.id());
    if (pending == null) {
      pending = reply.to().map(to -> to.substring(to.indexOf('/') + 1)).map(room.ghostByNick::get)
          .map(ghost -> room.inFlight.get(senderKey(ghost, reply.id()))).orElse(null);
    }
    if (pending != null) {
      return pending.handle((e, err) -> Optional.ofNullable(err == null ? e : null));
    }
    return CompletableFuture.supplyAsync(() -> replies.incoming(room, reply), blocking);
  }

  /** The message-map key of a stanza id that is unique only per sender (XEP-0308 ids, MUCs without stanza-id). */
  private static String senderKey(UserId ghost, String id) {
    return "from:" + ghost.value() + "/" + id;
  }

  /**
   * The Matrix event of a message the sender refers to by {@code id}: their own stanza id first (so one occupant
   * can never touch another's message through it), then the MUC's stanza-id; a message still being sent is waited
   * for, the store is read off this thread.
   */
  private CompletableFuture<Optional<EventId>> eventOf(MucRoom room, UserId sender, String id) {
    CompletableFuture<EventId> pending = room.inFlight.get(senderKey(sender, id));
    if (pending == null) {
      pending = room.inFlight.get("sid:" + id);
    }
    if (pending != null) {
      return pending.handle((e, err) -> Optional.ofNullable(err == null ? e : null));
    }
    String muc = room.muc.toString();
    return CompletableFuture.supplyAsync(() -> messageMap.byRemote(
            new MessageMapStore.RemoteMessage(PROTOCOL, muc, senderKey(sender, id)))
        .or(() -> messageMap.byRemote(new MessageMapStore.RemoteMessage(PROTOCOL, muc, "sid:" + id)))
        .map(MessageMapStore.MessageMapping::eventId), blocking);
  }

  /**
   * The Matrix event of a MUC stanza-id (reactions, markers): a message still being sent is waited for, else the
   * message map (read off the caller's thread).
   */
  CompletableFuture<Optional<EventId>> eventOfStanzaId(EntityBareJid muc, String sid) {
    MucRoom room = byMuc.get(muc);
    CompletableFuture<EventId> pending = room == null ? null : room.inFlight.get("sid:" + sid);
    if (pending != null) {
      return pending.handle((e, err) -> Optional.ofNullable(err == null ? e : null));
    }
    return CompletableFuture.supplyAsync(() -> messageMap.byRemote(
            new MessageMapStore.RemoteMessage(PROTOCOL, muc.toString(), "sid:" + sid))
        .map(MessageMapStore.MessageMapping::eventId), blocking);
  }

  /** An {@code m.replace} edit of {@code replaced} with the new content, and a fallback body. */
  private static ObjectNode edit(EventId replaced, ObjectNode newContent) {
    ObjectNode content = newContent.deepCopy();
    content.put("body", "* " + newContent.path("body").asText());
    content.set("m.new_content", newContent);
    content.putObject("m.relates_to").put("rel_type", "m.replace").put("event_id", replaced.value());
    return content;
  }

  private CompletableFuture<Void> setTopic(MucRoom room, String subject) {
    Intent bot = context.intents().bot();
    return bot.getState(room.roomId, "m.room.topic", "")
        .handle((state, err) -> err == null && state != null ? state.path("topic").asText("") : "")
        .thenCompose(current -> current.equals(subject) ? CompletableFuture.completedFuture(null)
            : bot.sendState(room.roomId, "m.room.topic", "", TopicRelay.mark(
                // Marked with its link, so a hub room's other links get it too.
                JsonNodeFactory.instance.objectNode().put("topic", subject), PROTOCOL, room.muc.toString()))
                .thenApply(e -> null));
  }

  /**
   * Registers the ghost of an occupant and gives it the nick as display name (again when the nick changed). The row's
   * remote id is the person: their real bare JID where the ghost is named after one, else the occupant JID they have
   * now (so a rename before a restart still finds their ghost, see anonymousGhost).
   */
  private CompletableFuture<UserId> ensureGhost(UserId ghost, Jid occupant, String nick) {
    if (nick.equals(ghostNames.get(ghost))) {
      return CompletableFuture.completedFuture(ghost);
    }
    String remoteId = ghostIds.jidOf(ghost).filter(j -> !j.hasResource()).map(Jid::toString)
        .orElse(occupant.toString());
    try {
      ghostStore.upsert(ghost, PROTOCOL, remoteId, nick, null);
    } catch (dev.switchboard.core.store.StoreException e) {
      // Bookkeeping only: the message still goes to Matrix from this ghost rather than being lost.
      log.warn("Ghost {} for {} in {} not recorded: {}", ghost, LogText.of(occupant), occupant.asBareJid(),
          LogText.of(e.getMessage()));
    }
    Intent intent = context.intents().ghost(ghost);
    return intent.ensureRegistered()
        .thenCompose(v -> intent.setDisplayName(nick))
        .thenApplyAsync(v -> {
          ghostStore.markRegistered(ghost);
          ghostNames.put(ghost, nick);
          return ghost;
        }, blocking);
  }

  /** Runs XMPP → Matrix work for one room strictly in arrival order, off the protocol thread. */
  private void inOrder(MucRoom room, java.util.function.Supplier<CompletableFuture<?>> work) {
    synchronized (room) {
      room.tail = room.tail
          .thenComposeAsync(v -> work.get(), blocking)
          .handle((r, e) -> {
            if (e != null && !(rootCause(e) instanceof java.util.concurrent.RejectedExecutionException)) {
              log.warn("XMPP -> Matrix in {} ({}) failed: {}", room.roomId, room.muc, rootCause(e).toString());
            }
            return null;
          });
    }
  }

  // ---- Matrix -> XMPP

  /**
   * A Matrix event in a room linked to a MUC. A message (text, edit, reply, media, retraction) completes once the
   * MUC reflects it back to our occupant, other stanzas (a subject) once written to the component stream; fails with
   * RemoteUnavailableException while the stream is down or when no reflection comes, so the dispatcher holds it.
   */
  public CompletableFuture<Void> onMatrixEvent(MatrixEvent event, Link link) {
    EntityBareJid muc;
    try {
      muc = JidCreate.entityBareFrom(link.remoteId());
    } catch (XmppStringprepException e) {
      return CompletableFuture.completedFuture(null);
    }
    MucRoom room = byMuc.computeIfAbsent(muc, m -> new MucRoom(m, link.roomId(), config.listenerNick()));
    if (ghostIds.isGhost(event.sender())) {
      return CompletableFuture.completedFuture(null);
    }
    switch (event.type()) {
      case "m.room.message" -> {
        return sendMessage(room, event);
      }
      case "m.room.redaction" -> {
        return sendRetraction(room, event);
      }
      case "m.room.topic" -> {
        String topic = event.content().path("topic").asText("");
        if (event.sender().equals(context.intents().bot().userId())) {
          // A topic set on another network of a hub room: the listener sets it (the room must let it).
          if (hub.topics()) {
            connection.send(MucStanzas.subject(listenerJid, muc, idFor(event.eventId()), topic));
          }
          return CompletableFuture.completedFuture(null);
        }
        return ensureOccupant(room, event.sender()).thenCompose(v -> connection.deliver(MucStanzas.subject(
            fullJidOf(event.sender()), muc, idFor(event.eventId()), topic)));
      }
      case "m.room.member" -> {
        String membership = event.membership().orElse("");
        if (membership.equals("join") && event.stateKey().isPresent()) {
          UserId joined = UserId.of(event.stateKey().get());
          if (hub.allJoins() && !room.matrixOccupants.containsKey(joined)
              && context.foreignGhosts().networkOf(joined).isPresent()) {
            // hub.foreign_members: all — another network's ghost joins the MUC with the room, not only when it speaks.
            return ensureOccupant(room, joined).exceptionally(e -> null);
          }
          followDisplayName(room, event, joined);
        } else if ((membership.equals("leave") || membership.equals("ban")) && event.stateKey().isPresent()) {
          UserId user = UserId.of(event.stateKey().get());
          MucRoom.MatrixOccupant o = room.matrixOccupants.remove(user);
          if (o != null) {
            MucStanzas.occupant(muc, o.nick).ifPresent(occ -> connection.send(MucStanzas.leave(fullJidOf(user), occ)));
          }
        }
        return CompletableFuture.completedFuture(null);
      }
      default -> {
        return CompletableFuture.completedFuture(null);
      }
    }
  }

  /**
   * A Matrix event's message to the MUC: done when the MUC reflects it to our occupant, which proves the MUC took it
   * (a stanza written to a server that is shutting down can vanish unanswered); see {@link Reflections}.
   */
  private CompletableFuture<Void> deliver(MucRoom room, Message message) {
    return reflections.send(room.muc, message, connection::deliver);
  }

  private CompletableFuture<Void> sendMessage(MucRoom room, MatrixEvent event) {
    JsonNode relation = event.content().path("m.relates_to");
    boolean isEdit = "m.replace".equals(relation.path("rel_type").asText()) && relation.path("event_id").isTextual()
        && event.content().path("m.new_content").isObject();
    JsonNode content = isEdit ? event.content().path("m.new_content") : event.content();
    String msgtype = content.path("msgtype").asText("");
    Optional<EventId> repliedTo = isEdit ? Optional.empty() : MucReplies.repliedTo(content);
    // Matrix's reply fallback quotes with raw Matrix ids: never sent; XEP-0461 and our own quote replace it.
    String body = repliedTo.isPresent() ? Replies.withoutMatrixFallback(content.path("body").asText(""))
        : content.path("body").asText("");
    Optional<MediaLinks.Link> media = mediaLinks.of(content);
    String text = switch (msgtype) {
      case "m.text", "m.notice" -> body;
      case "m.emote" -> "/me " + body;
      default -> MediaLinks.isMedia(content) ? mediaLinks.textOf(content) : null;
    };
    if (text == null || text.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    // Matrix HTML: the plain body gets XEP-0393 styling, and an XHTML-IM body goes along.
    Optional<MatrixHtml.Rendered> formatted = MediaLinks.isMedia(content) ? Optional.empty()
        : MatrixHtml.render(content, "m.emote".equals(msgtype) ? "/me " : "");
    if (formatted.isPresent()) {
      text = formatted.get().body();
    }
    String finalText = text;
    String id = idFor(event.eventId());
    if (repliedTo.isPresent()) {
      return ensureOccupantSurvivingOutages(room, event.sender())
          .thenCompose(v -> replies.outgoing(room, event, repliedTo.get()))
          .thenCompose(reply -> {
            room.rememberSent(id, event.eventId());
            String quote = XmlText.clean(reply.quote());
            Message m = MucStanzas.groupchat(fullJidOf(event.sender()), room.muc, id,
                quote + XmlText.clean(finalText));
            if (formatted.isPresent()) {
              MatrixHtml.render(content, "m.emote".equals(msgtype) ? "/me " : "", quote).ifPresent(f -> f.addTo(m));
            }
            m.addExtension(Replies.element(reply.id(), reply.to()));
            m.addExtension(Replies.fallback(quote.codePointCount(0, quote.length())));
            meters.message(ConnectorMeters.Direction.TO_REMOTE);
            return deliver(room, m);
          });
    }
    return ensureOccupantSurvivingOutages(room, event.sender()).thenCompose(v -> {
      room.rememberSent(id, event.eventId());
      meters.message(ConnectorMeters.Direction.TO_REMOTE);
      if (isEdit) {
        // XEP-0308 names the id we gave the original, which is derived from its event id: no lookup needed.
        String replaced = idFor(EventId.of(relation.path("event_id").asText()));
        Message m = MucStanzas.correction(fullJidOf(event.sender()), room.muc, id, finalText, replaced);
        formatted.ifPresent(f -> f.addTo(m));
        return deliver(room, m);
      }
      Message m = MucStanzas.groupchat(fullJidOf(event.sender()), room.muc, id, finalText);
      formatted.ifPresent(f -> f.addTo(m));
      return deliver(room, MediaLinks.withOob(m, media));
    });
  }

  /**
   * A redaction becomes an XEP-0424 retraction of the MUC's stanza-id for the event (our own id where the MUC gave
   * none). Redactions of XMPP users' messages would need XEP-0425 moderation: not sent.
   */
  private CompletableFuture<Void> sendRetraction(MucRoom room, MatrixEvent event) {
    JsonNode redacts = event.raw().path("redacts").isTextual() ? event.raw().path("redacts")
        : event.content().path("redacts");
    if (!redacts.isTextual()) {
      return CompletableFuture.completedFuture(null);
    }
    EventId target = EventId.of(redacts.asText());
    String muc = room.muc.toString();
    return CompletableFuture.supplyAsync(() -> messageMap.byEvent(target), blocking).thenCompose(mappings -> {
      List<String> ids = mappings.stream().filter(m -> m.remote().protocol().equals(PROTOCOL)
          && m.remote().remoteRoom().equals(muc)).map(m -> m.remote().remoteId()).toList();
      if (ids.stream().anyMatch(id -> id.startsWith("from:"))) {
        log.info("Not retracting {} in {}: an XMPP user's message (moderation is not bridged yet)", target, muc);
        return CompletableFuture.completedFuture(null);
      }
      String targetId = ids.stream().filter(id -> id.startsWith("sid:")).map(id -> id.substring(4)).findFirst()
          .orElse(idFor(target));
      String id = idFor(event.eventId());
      return ensureOccupant(room, event.sender()).thenCompose(v -> {
        room.rememberSent(id, event.eventId());
        return deliver(room, MucStanzas.retraction(fullJidOf(event.sender()), room.muc, id, targetId));
      });
    });
  }

  /**
   * {@link #ensureOccupant}, but a join the lost stream cancelled (or that could not be answered while the server was
   * down) is tried again once the stream is back, so a message sent during an outage is delivered, not dropped.
   */
  private CompletableFuture<Void> ensureOccupantSurvivingOutages(MucRoom room, UserId user) {
    return ensureOccupant(room, user).exceptionallyCompose(e -> {
      Throwable cause = rootCause(e);
      boolean outage = cause instanceof ComponentConnection.DisconnectedException
          || (cause instanceof TimeoutException && connection.state() != ComponentConnection.State.READY);
      return outage ? connection.whenReady().thenCompose(v -> ensureOccupant(room, user))
          : CompletableFuture.failedFuture(cause);
    });
  }

  /** Joins the user's own occupant if not yet there; completes when the MUC confirmed it. */
  private CompletableFuture<Void> ensureOccupant(MucRoom room, UserId user) {
    MucRoom.MatrixOccupant existing = room.matrixOccupants.get(user);
    if (existing != null && !existing.joined.isCompletedExceptionally()) {
      return existing.joined;
    }
    return nickOf(room.roomId, user).thenCompose(nick -> {
      MucRoom.MatrixOccupant fresh = new MucRoom.MatrixOccupant(nick);
      MucRoom.MatrixOccupant o = room.matrixOccupants.compute(user, (u, old) ->
          old != null && !old.joined.isCompletedExceptionally() ? old : fresh);
      if (o == fresh) {
        sendOccupantJoin(room, user, o);
        // The answer cannot come while the stream is down: the clock starts when it is up.
        connection.whenReady().thenRun(() ->
            o.joined.orTimeout(config.component().iqTimeout().toMillis(), TimeUnit.MILLISECONDS));
        o.joined.whenComplete((v, e) -> {
          if (e != null) {
            room.matrixOccupants.remove(user, o);
            if (e instanceof TimeoutException) {
              log.warn("{} got no answer joining {} as '{}'", user, room.muc, LogText.of(o.nick));
            }
          }
        });
      }
      return o.joined;
    });
  }

  /** Joins the occupant as {@code o.wanted}, or, once joined, changes its nick to that (XEP-0045 § 7.6). */
  private void sendOccupantJoin(MucRoom room, UserId user, MucRoom.MatrixOccupant o) {
    Optional<EntityFullJid> occupant = MucStanzas.occupant(room.muc, o.wanted);
    if (occupant.isEmpty()) {
      if (o.isJoined()) {
        o.wanted = o.nick;
      } else {
        o.joined.completeExceptionally(new IllegalArgumentException("nick '" + o.wanted + "' is not valid"));
      }
      return;
    }
    connection.send(o.isJoined() ? MucStanzas.changeNick(fullJidOf(user), occupant.get())
        : MucStanzas.join(fullJidOf(user), occupant.get(), Optional.empty()));
  }

  /** A member event of a Matrix user with an occupant: a new display name becomes a nick change. */
  private void followDisplayName(MucRoom room, MatrixEvent event, UserId user) {
    MucRoom.MatrixOccupant o = room.matrixOccupants.get(user);
    if (o == null || !o.isJoined()) {
      return;
    }
    String displayName = event.content().path("displayname").asText("");
    String nick = cleanNick(context.foreignGhosts().networkOf(user)
        .map(n -> hub.nameOf(displayName.isBlank() ? user.localpart() : displayName, n)).orElse(displayName), user);
    if (nick.equals(o.baseNick)) {
      return;
    }
    o.baseNick = nick;
    o.conflicts = 0;
    o.wanted = nick;
    sendOccupantJoin(room, user, o);
  }

  /** The user's display name in the room, else the localpart; cleaned for XMPP. */
  private CompletableFuture<String> nickOf(RoomId room, UserId user) {
    Optional<String> network = ghostIds.isGhost(user) ? Optional.empty() : context.foreignGhosts().networkOf(user);
    return context.intents().bot().getState(room, "m.room.member", user.value())
        .handle((state, err) -> {
          String name = err == null && state != null ? state.path("displayname").asText("") : "";
          // Another network's ghost shows with its network (alice[irc]); an empty name falls back to the localpart.
          return cleanNick(network.map(n -> hub.nameOf(name.isBlank() ? user.localpart() : name, n)).orElse(name),
              user);
        });
  }

  /** A display name as a nick: cleaned for XMPP; the localpart where nothing usable is left. */
  private static String cleanNick(String displayName, UserId user) {
    String name = dev.switchboard.xmpp.stanza.XmlText.clean(displayName).strip();
    if (name.isEmpty() || MucStanzas.occupant(JidCreate.entityBareFromOrThrowUnchecked("a@b"), name).isEmpty()) {
      name = user.localpart();
    }
    return name;
  }

  private FullJid fullJidOf(UserId user) {
    try {
      return JidCreate.fullFrom(userJids.jidOf(user) + "/matrix");
    } catch (XmppStringprepException e) {
      throw new IllegalArgumentException("no JID for " + user, e);
    }
  }

  /** A stanza id for a Matrix event: stable across retries, free of characters that need escaping. */
  static String idFor(EventId event) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(event.value().getBytes(StandardCharsets.UTF_8));
      return "mx-" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- XEP-0410 self-ping

  private volatile java.util.concurrent.ScheduledFuture<?> selfPing;

  /**
   * Every {@code self_ping_interval_seconds}, the listener and each Matrix user's occupant ping their own occupant JID
   * (XEP-0410). A MUC that forgot one (restarted without telling us, lost it in a netsplit) answers
   * {@code not-acceptable} or {@code item-not-found}: the listener rejoins at once (asking for the history it missed),
   * a user's occupant is dropped and rejoins when the user next speaks. Other errors (the MUC does not route pings)
   * and timeouts mean nothing.
   */
  public void startSelfPing(java.util.concurrent.ScheduledExecutorService scheduler) {
    long every = config.selfPingInterval().toMillis();
    if (every <= 0) {
      return;
    }
    selfPing = scheduler.scheduleWithFixedDelay(() -> {
      try {
        selfPingAll();
      } catch (RuntimeException e) {
        log.warn("XEP-0410 self-ping round failed: {}", e.toString(), e);
      }
    }, every, every, TimeUnit.MILLISECONDS);
  }

  public void stopSelfPing() {
    java.util.concurrent.ScheduledFuture<?> task = selfPing;
    if (task != null) {
      task.cancel(false);
    }
  }

  private void selfPingAll() {
    if (connection.state() != ComponentConnection.State.READY) {
      return; // a reconnect rejoins everything anyway
    }
    for (MucRoom room : byMuc.values()) {
      if (room.listenerJoined) {
        String nick = room.listenerNick;
        MucStanzas.occupant(room.muc, nick).ifPresent(occupant -> selfPing(listenerJid, occupant).thenAccept(gone -> {
          if (gone && room.listenerJoined && nick.equals(room.listenerNick) && byMuc.get(room.muc) == room) {
            log.info("{} forgot the listener '{}' (XEP-0410 self-ping); rejoining", room.muc, LogText.of(nick));
            room.listenerJoined = false;
            joinListener(room);
          }
        }));
      }
      room.matrixOccupants.forEach((user, o) -> {
        if (!o.isJoined()) {
          return;
        }
        MucStanzas.occupant(room.muc, o.nick).ifPresent(occupant -> selfPing(fullJidOf(user), occupant)
            .thenAccept(gone -> {
              if (gone && room.matrixOccupants.remove(user, o)) {
                log.info("{} forgot {}'s occupant '{}' (XEP-0410 self-ping); it rejoins when they next speak",
                    room.muc, user, LogText.of(o.nick));
              }
            }));
      });
    }
  }

  /** Completes with true when the MUC says {@code from} is not {@code occupant} (any more). */
  private CompletableFuture<Boolean> selfPing(FullJid from, EntityFullJid occupant) {
    org.jivesoftware.smackx.ping.packet.Ping ping = new org.jivesoftware.smackx.ping.packet.Ping(occupant);
    ping.setFrom(from);
    ping.setStanzaId("sp-" + UUID.randomUUID());
    return connection.request(ping).handle((answer, err) -> {
      if (err != null || answer == null || answer.getType() != IQ.Type.error || answer.getError() == null) {
        return false;
      }
      StanzaError.Condition c = answer.getError().getCondition();
      return c == StanzaError.Condition.not_acceptable || c == StanzaError.Condition.item_not_found;
    });
  }

  // ---- IQs to the component

  private void answerIq(IQ iq) {
    if (iq.getType() != IQ.Type.get && iq.getType() != IQ.Type.set) {
      return;
    }
    if ("urn:xmpp:ping".equals(iq.getChildElementNamespace())) {
      connection.send(IQ.createResultIQ(iq));
    } else {
      connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.service_unavailable));
    }
  }
}
