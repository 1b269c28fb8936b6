package dev.switchboard.core.portal;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkLookup;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.store.PortalStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Portals and links for connectors and dispatch: the portal store with the links of each room cached, because
 * dispatch asks for them on every event. Every change goes through here, so the cache is never stale in this
 * process (the database stays the one record; a second process would need its own invalidation).
 */
public final class Portals implements LinkLookup {
  private final PortalStore store;
  private final Map<RoomId, List<Link>> linksByRoom = new ConcurrentHashMap<>();

  public Portals(PortalStore store) {
    this.store = store;
  }

  @Override
  public List<Link> linksOf(RoomId room) {
    return linksByRoom.computeIfAbsent(room, store::linksOfRoom);
  }

  /**
   * Whether more than one remote room is linked into {@code room} (a hub room). Its Matrix events are then also what
   * the other links relay, one remote line each, so its lines are never merged (docs/architecture.md, "Coalescing").
   */
  public boolean isHub(RoomId room) {
    return linksOf(room).size() > 1;
  }

  /** Records a portal created for {@code alias} with its first links. */
  public PortalStore.Portal createPortal(RoomId room, RoomAlias alias, List<Link> links) {
    try {
      return store.createPortal(room, alias, links);
    } finally {
      linksByRoom.remove(room);
    }
  }

  /** Records an existing room an admin plumbed, with its links. */
  public PortalStore.Portal createPlumbedRoom(RoomId room, List<Link> links) {
    try {
      return store.createPlumbedRoom(room, links);
    } finally {
      linksByRoom.remove(room);
    }
  }

  public boolean addLink(Link link) {
    try {
      return store.addLink(link);
    } finally {
      linksByRoom.remove(link.roomId());
    }
  }

  public boolean removeLink(Link link) {
    try {
      return store.removeLink(link);
    } finally {
      linksByRoom.remove(link.roomId());
    }
  }

  public boolean deletePortal(RoomId room) {
    try {
      return store.deletePortal(room);
    } finally {
      linksByRoom.remove(room);
    }
  }

  public Optional<PortalStore.Portal> portal(RoomId room) {
    return store.portal(room);
  }

  public Optional<PortalStore.Portal> portalByAlias(RoomAlias alias) {
    return store.portalByAlias(alias);
  }

  public Optional<Link> linkOfRemote(String protocol, String remoteId) {
    return store.linkOfRemote(protocol, remoteId);
  }

  public List<Link> linksOfProtocol(String protocol) {
    return store.linksOfProtocol(protocol);
  }
}
