package dev.switchboard.irc.portal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.portal.LinkedRoomAliases;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.irc.network.NetworkConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Portals for IRC channels: answers alias queries by creating the Matrix room and recording the portal, and keeps
 * the channel → room map the relays look up on every message.
 *
 * <p>The homeserver holds the user's join until the alias query is answered (issue 8), so the answer goes out as
 * soon as the room exists and is recorded; joining the channel on IRC happens in the background, and the portal
 * starts relaying whenever the IRC server gets to it.
 *
 * <p>An alias query does not say who asks (the AS API has no user id; over federation another server asks for its
 * user), so a portal an alias query creates is <em>dormant</em>: the Matrix room exists, but the bot does not join
 * the channel until someone at permission level {@code user} or above is in the room ({@link #activate}). That
 * keeps anyone the permissions shut out, federated users included, from making the bot join channel after
 * channel. Dormant portals are kept in core's kv table, so a restart does not wake them.
 */
public final class ChannelPortals {
  private static final Logger log = LoggerFactory.getLogger(ChannelPortals.class);
  public static final String PROTOCOL = "irc";

  private final Portals portals;
  private final LinkedRoomAliases linkedAliases;
  private final Intent bot;
  private final String aliasPrefix;
  private final Function<String, Optional<NetworkConfig>> networks;
  private final Consumer<ChannelRef> joinChannel;
  private final Executor blocking;
  private final Map<String, RoomId> roomsByRemoteId = new ConcurrentHashMap<>();
  private final Set<RoomId> plumbed = ConcurrentHashMap.newKeySet();
  private final Map<RoomAlias, CompletableFuture<Optional<RoomId>>> opening = new ConcurrentHashMap<>();
  /** Remote ids of dormant portals; null: every portal is joined at once (no kv store given). */
  private final Set<String> dormant = ConcurrentHashMap.newKeySet();
  private volatile dev.switchboard.core.store.KvStore kv;

  /**
   * @param joinChannel asks the network's bot to join a channel; must not block
   * @param blocking for JDBC
   */
  public ChannelPortals(Portals portals, Intent bot, String aliasPrefix,
      Function<String, Optional<NetworkConfig>> networks, Consumer<ChannelRef> joinChannel, Executor blocking) {
    this(portals, bot, aliasPrefix, networks, joinChannel, blocking, false);
  }

  /** @param portalAliases {@code irc.hub.portal_aliases}: aliases may name channels linked into rooms by admins */
  public ChannelPortals(Portals portals, Intent bot, String aliasPrefix,
      Function<String, Optional<NetworkConfig>> networks, Consumer<ChannelRef> joinChannel, Executor blocking,
      boolean portalAliases) {
    this.linkedAliases = new LinkedRoomAliases(portals, PROTOCOL, portalAliases);
    this.portals = portals;
    this.bot = bot;
    this.aliasPrefix = aliasPrefix;
    this.networks = networks;
    this.joinChannel = joinChannel;
    this.blocking = blocking;
  }

  /** Portals created by alias queries stay dormant until {@link #activate}d, recorded in {@code kv}. */
  public ChannelPortals withDormancy(dev.switchboard.core.store.KvStore kv) {
    this.kv = kv;
    return this;
  }

  /** Loads the existing links (blocking: call at start) and returns the channels to join: all but dormant ones. */
  public List<ChannelRef> load() {
    for (Link link : portals.linksOfProtocol(PROTOCOL)) {
      ChannelRef.ofRemoteId(link.remoteId()).ifPresent(ref -> {
        roomsByRemoteId.put(ref.remoteId(), link.roomId());
        if (link.plumbed()) {
          plumbed.add(link.roomId());
        } else if (kv != null && kv.get(dormancyKey(ref)).isPresent()) {
          dormant.add(ref.remoteId());
        }
      });
    }
    return roomsByRemoteId.keySet().stream().filter(id -> !dormant.contains(id))
        .flatMap(id -> ChannelRef.ofRemoteId(id).stream()).toList();
  }

  /** Whether the portal of {@code channel} waits for a {@code user} to join before the bot joins the channel. */
  public boolean isDormant(ChannelRef channel) {
    return dormant.contains(channel.remoteId());
  }

  /**
   * Wakes a dormant portal (someone at level {@code user} is in its room): the bot joins the channel now, before
   * the user's own connection does (so the bot hears what IRC answers them; IrcConnector holds the waking event
   * until the bot is in, since its JOIN may wait behind the flood queue), and the kv row goes in the
   * background. Returns at once when it is not dormant; completes once the kv row is gone.
   */
  public CompletableFuture<Void> activate(ChannelRef channel) {
    if (!dormant.remove(channel.remoteId())) {
      return CompletableFuture.completedFuture(null);
    }
    log.info("Portal for {} woken: a user is in its room", channel.remoteId());
    joinChannel.accept(channel);
    return CompletableFuture.runAsync(() -> kv.delete(dormancyKey(channel)), blocking).whenComplete((v, err) -> {
      if (err != null) {
        // It works now; after a restart it would wait for a user again.
        log.warn("Could not record that the portal for {} is active: {}", channel.remoteId(), err.toString());
      }
    });
  }

  private static String dormancyKey(ChannelRef channel) {
    return "irc.portal.dormant:" + channel.remoteId();
  }

  /** Whether other remote rooms are linked into {@code room} too ({@link Portals#isHub}). */
  public boolean isHub(RoomId room) {
    return portals.isHub(room);
  }

  /** Whether {@code room} is an existing room an admin linked (the bridge then leaves its settings alone). */
  public boolean isPlumbed(RoomId room) {
    return plumbed.contains(room);
  }

  /** Starts relaying a channel to a plumbed room (the link is already stored). */
  public void plumbed(ChannelRef channel, RoomId room) {
    plumbed.add(room);
    roomsByRemoteId.put(channel.remoteId(), room);
  }

  /** Stops relaying a channel (the link is already removed). Blocking (kv): call on the blocking executor. */
  public void unlinked(ChannelRef channel, RoomId room) {
    roomsByRemoteId.remove(channel.remoteId(), room);
    plumbed.remove(room);
    if (dormant.remove(channel.remoteId())) {
      kv.delete(dormancyKey(channel)); // a later link of the channel starts afresh
    }
  }

  /** The portal room of a channel, if it has one. */
  public Optional<RoomId> roomOf(ChannelRef channel) {
    return Optional.ofNullable(roomsByRemoteId.get(channel.remoteId()));
  }

  /** Parses an alias of ours into the channel it names, when the network exists and allows the channel. */
  public Optional<ChannelRef> channelOf(RoomAlias alias) {
    return ChannelRef.ofAliasLocalpart(alias.localpart(), aliasPrefix)
        .filter(ref -> networks.apply(ref.network()).map(n -> n.allows(ref.channel())).orElse(false));
  }

  /**
   * Answers an alias query: the portal's room, created now if needed (dormant, see above), or empty for "no such
   * room".
   */
  public CompletableFuture<Optional<RoomId>> open(RoomAlias alias) {
    return open(alias, false);
  }

  /**
   * As {@link #open(RoomAlias)}; {@code byUser}: the portal is opened for a known user at level {@code user} or
   * above ({@code !irc join}), so it is active at once, and a dormant one is woken.
   */
  public CompletableFuture<Optional<RoomId>> open(RoomAlias alias, boolean byUser) {
    Optional<ChannelRef> ref = channelOf(alias);
    if (ref.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    // Homeservers may ask twice for one alias while the first answer is pending; create one room, not two.
    CompletableFuture<Optional<RoomId>> mine = new CompletableFuture<>();
    CompletableFuture<Optional<RoomId>> current = opening.putIfAbsent(alias, mine);
    if (current != null) {
      return current;
    }
    // Another spelling of a channel that has a portal (#Java vs #java), or a channel an admin linked into a room
    // (when irc.hub.portal_aliases allows it): the alias joins that room.
    linkedAliases.resolve(alias, ref.get().remoteId(), bot, blocking,
            () -> create(alias, ref.get(), !byUser && kv != null).thenApply(Optional::of))
        .whenComplete((room, err) -> {
          opening.remove(alias, mine);
          if (err != null) {
            log.warn("Could not open portal {} for {}: {}", alias, ref.get().remoteId(), err.toString());
            mine.completeExceptionally(err);
            return;
          }
          if (room.isPresent() && byUser) {
            activate(ref.get());
          }
          if (room.isPresent() && !isDormant(ref.get())) {
            joinChannel.accept(ref.get());
          }
          mine.complete(room);
        });
    return mine;
  }

  private CompletableFuture<RoomId> create(RoomAlias alias, ChannelRef ref, boolean asDormant) {
    ObjectNode request = JsonNodeFactory.instance.objectNode();
    request.put("room_alias_name", alias.localpart());
    request.put("preset", "public_chat");
    request.put("visibility", "private");
    request.put("name", ref.channel().value());
    IrcBridgeInfo.of(bot.userId(), ref).addTo(request);
    return bot.createRoom(request).thenApplyAsync(room -> {
      if (asDormant) {
        // Before the link: once the link is stored, events of the room are dispatched, and a user's join must wake it.
        kv.put(dormancyKey(ref), alias.value());
        dormant.add(ref.remoteId());
      }
      portals.createPortal(room, alias, List.of(new Link(room, PROTOCOL, ref.remoteId(), false)));
      roomsByRemoteId.put(ref.remoteId(), room);
      log.info("Portal {} created for {} as {}", alias, ref.remoteId(), room);
      return room;
    }, blocking);
  }
}
