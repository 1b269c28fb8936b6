package dev.switchboard.irc.portal;

import dev.switchboard.core.connector.LinkCapable.LinkException;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.failure.Failures;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.BridgeInfo;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.irc.network.NetworkConfig;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plumbing: links an existing Matrix room to a channel ({@code libera/#java}) and undoes it. The permission check is
 * the caller's ({@code !link}, provisioning); here the channel is validated, the bot joins the room (it must have
 * been invited) and the channel, and the link is stored through core's portals so dispatch sees it at once.
 */
public final class ChannelLinks {
  private static final Logger log = LoggerFactory.getLogger(ChannelLinks.class);

  /** What linking needs from the IRC side. */
  public interface ChannelSide {
    /** The bot joins the channel (or, already in it, lists its members again so their ghosts join the room). */
    void join(ChannelRef channel);

    /** Ghosts leave {@code room}, the bot and puppets part the channel. */
    CompletableFuture<Void> leave(ChannelRef channel, RoomId room);
  }

  /** Consent from the remote side before a link is made (the channel's operators); cancelling withdraws it. */
  public interface Consent {
    CompletableFuture<Void> approve(ChannelRef channel, RoomId room, UserId requester);
  }

  private final Portals portals;
  private final ChannelPortals channels;
  private final Intent bot;
  private final Function<String, Optional<NetworkConfig>> networks;
  private final ChannelSide side;
  private final Executor blocking;
  private final Consent consent;

  public ChannelLinks(Portals portals, ChannelPortals channels, Intent bot,
      Function<String, Optional<NetworkConfig>> networks, ChannelSide side, Executor blocking) {
    this(portals, channels, bot, networks, side, blocking, (channel, room, requester) ->
        CompletableFuture.completedFuture(null));
  }

  /** As above, asking {@code consent} after the bot joined the room and before the link is stored. */
  public ChannelLinks(Portals portals, ChannelPortals channels, Intent bot,
      Function<String, Optional<NetworkConfig>> networks, ChannelSide side, Executor blocking, Consent consent) {
    this.consent = consent;
    this.portals = portals;
    this.channels = channels;
    this.bot = bot;
    this.networks = networks;
    this.side = side;
    this.blocking = blocking;
  }

  /** {@code network/#channel} with the channel case-folded, or why not. */
  public ChannelRef parse(String remoteRoom) throws LinkException {
    String trimmed = remoteRoom == null ? "" : remoteRoom.trim();
    Optional<ChannelRef> ref = ChannelRef.ofRemoteId(trimmed);
    if (ref.isEmpty()) {
      throw new LinkException("M_INVALID_PARAM", "'" + trimmed.replaceAll("\\p{Cntrl}", "?")
          + "' is not an IRC channel: expected <network>/<#channel>, e.g. libera/#java");
    }
    Optional<NetworkConfig> network = networks.apply(ref.get().network());
    if (network.isEmpty()) {
      throw new LinkException("M_NOT_FOUND", "there is no IRC network '" + ref.get().network() + "' in the config");
    }
    if (!network.get().allows(ref.get().channel())) {
      throw new LinkException("M_FORBIDDEN", ref.get().channel() + " is not in channels_allowed of "
          + ref.get().network());
    }
    return new ChannelRef(ref.get().network(), new ChannelName(ref.get().channel().key()));
  }

  public CompletableFuture<Link> link(RoomId room, String remoteRoom, UserId requester) {
    ChannelRef ref;
    try {
      ref = parse(remoteRoom);
    } catch (LinkException e) {
      return CompletableFuture.failedFuture(e);
    }
    Link link = new Link(room, ChannelPortals.PROTOCOL, ref.remoteId(), true);
    AtomicReference<CompletableFuture<Void>> asking = new AtomicReference<>();
    CompletableFuture<Link> result = CompletableFuture.supplyAsync(() -> portals.linkOfRemote(ChannelPortals.PROTOCOL, ref.remoteId()), blocking)
        .thenCompose(existing -> {
          if (existing.isPresent()) {
            if (existing.get().roomId().equals(room)) {
              return CompletableFuture.completedFuture(existing.get());
            }
            return CompletableFuture.failedFuture(new LinkException("M_ROOM_IN_USE", ref.remoteId()
                + " is already bridged to another room (" + existing.get().roomId().value() + ")"));
          }
          return bot.ensureJoined(room)
              .exceptionallyCompose(e -> CompletableFuture.failedFuture(new LinkException("M_FORBIDDEN",
                  "the bridge bot could not join " + room.value() + "; invite it first (" + Failures.rootMessage(e) + ")")))
              .thenCompose(v -> {
                CompletableFuture<Void> approval = consent.approve(ref, room, requester);
                asking.set(approval);
                return approval;
              })
              .thenApplyAsync(v -> {
                if (portals.portal(room).isEmpty()) {
                  portals.createPlumbedRoom(room, List.of(link));
                } else {
                  portals.addLink(link);
                }
                channels.plumbed(ref, room);
                log.info("{} linked {} to {}", requester, room, ref.remoteId());
                return link;
              }, blocking)
              .thenCompose(l -> bridgeState(room, ref, false).thenApply(v -> l))
              .whenComplete((l, err) -> {
                if (err == null) {
                  side.join(ref);
                }
              });
        });
    // The provisioning API cancels a request it stopped waiting for: the operators' question is withdrawn too.
    result.whenComplete((l, err) -> {
      CompletableFuture<Void> approval = asking.get();
      if (result.isCancelled() && approval != null) {
        approval.cancel(false);
      }
    });
    return result;
  }

  public CompletableFuture<Void> unlink(Link link) {
    Optional<ChannelRef> ref = ChannelRef.ofRemoteId(link.remoteId());
    if (ref.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(() -> {
      portals.removeLink(link);
      channels.unlinked(ref.get(), link.roomId());
    }, blocking)
        .thenCompose(v -> side.leave(ref.get(), link.roomId()))
        .thenCompose(v -> bridgeState(link.roomId(), ref.get(), true))
        .whenComplete((v, err) -> log.info("Unlinked {} from {}{}", link.roomId(), link.remoteId(),
            err == null ? "" : " (with errors: " + Failures.rootMessage(err) + ")"));
  }

  /** Writes (or, unlinking, empties) the room's bridge state; a room where the bot may not is still linked. */
  private CompletableFuture<Void> bridgeState(RoomId room, ChannelRef ref, boolean clear) {
    BridgeInfo state = IrcBridgeInfo.of(bot.userId(), ref);
    return clear ? state.clear(bot, room) : state.write(bot, room);
  }
}
