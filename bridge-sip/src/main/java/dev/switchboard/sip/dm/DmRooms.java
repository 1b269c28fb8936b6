package dev.switchboard.sip.dm;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.Portals;
import dev.switchboard.sip.address.Dialable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DM rooms between a Matrix user and a ghost, where their calls live: links of protocol {@code sip} whose remote
 * id names both ({@code <ghost>|<user>}). One room per pair; a newer DM of the same pair replaces the older one.
 */
public final class DmRooms {
  private static final Logger log = LoggerFactory.getLogger(DmRooms.class);
  public static final String PROTOCOL = "sip";

  private final Portals portals;
  private final Intents intents;
  private final Executor blocking;

  public DmRooms(Portals portals, Intents intents, Executor blocking) {
    this.portals = portals;
    this.intents = intents;
    this.blocking = blocking;
  }

  public static String remoteId(UserId ghost, UserId user) {
    return ghost.value() + "|" + user.value();
  }

  /** The ghost a DM link stands for; empty for links that are not DMs of ours. */
  public static Optional<UserId> ghostOf(Link link) {
    int bar = link.remoteId().indexOf('|');
    if (bar <= 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(UserId.of(link.remoteId().substring(0, bar)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Links {@code room} (which the user opened and invited the ghost to) as the DM of the pair. */
  public void link(RoomId room, UserId ghost, UserId user) {
    String remote = remoteId(ghost, user);
    Link link = new Link(room, PROTOCOL, remote, true);
    Optional<Link> existing = portals.linkOfRemote(PROTOCOL, remote);
    if (existing.isPresent() && existing.get().roomId().equals(room)) {
      return;
    }
    existing.ifPresent(portals::removeLink);
    if (portals.portal(room).isPresent()) {
      portals.addLink(link);
    } else {
      // The user's own room: plumbed, so the bridge never deletes or renames it.
      portals.createPlumbedRoom(room, List.of(link));
    }
    log.info("{} is the DM of {} with {}", room, user, ghost);
  }

  /**
   * Writes the DM's bridge state as its ghost, into a room the user opened: only a room that gave the ghost the
   * power to (a {@code trusted_private_chat} does) takes it; the bot stays out of DMs.
   */
  public CompletableFuture<Void> writeBridgeInfo(RoomId room, UserId ghost, Dialable remote) {
    return SipBridgeInfo.of(intents.bot().userId(), remote).writeIfPermitted(intents.ghost(ghost), room);
  }

  /**
   * The pair's DM, opened by the ghost when there is none yet (a private room with {@code is_direct}, the user
   * invited, the bridge state set): where a call from the phone rings.
   */
  public CompletableFuture<RoomId> openOrFind(UserId ghost, UserId user, Dialable remote) {
    String ghostName = remote.display();
    return CompletableFuture.supplyAsync(() -> portals.linkOfRemote(PROTOCOL, remoteId(ghost, user)), blocking)
        .thenCompose(existing -> {
          if (existing.isPresent()) {
            return CompletableFuture.completedFuture(existing.get().roomId());
          }
          ObjectNode request = JsonNodeFactory.instance.objectNode()
              .put("preset", "trusted_private_chat").put("is_direct", true).put("name", ghostName);
          request.putArray("invite").add(user.value());
          SipBridgeInfo.of(intents.bot().userId(), remote).addTo(request);
          var intent = intents.ghost(ghost);
          return intent.ensureRegistered()
              .thenCompose(v -> intent.setDisplayName(ghostName).exceptionally(err -> null))
              .thenCompose(v -> intent.createRoom(request))
              .thenApplyAsync(room -> {
                link(room, ghost, user);
                return room;
              }, blocking);
        });
  }
}
