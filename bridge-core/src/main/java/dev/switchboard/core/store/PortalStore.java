package dev.switchboard.core.store;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.RoomId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Portals and plumbed rooms, and their links to remote rooms. */
public final class PortalStore {
  private static final String LINK_COLUMNS = "room_id, protocol, remote_id, plumbed";
  private static final String PORTAL_COLUMNS = "room_id, alias, plumbed, created_at";

  private final Database database;
  private final Clock clock;

  public PortalStore(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  /**
   * A Matrix room the bridge manages or is linked into.
   *
   * @param alias the bridge's alias that created the portal; empty for a plumbed room
   * @param plumbed true for an existing room an admin linked: the bridge never deletes or renames it
   */
  public record Portal(RoomId roomId, Optional<RoomAlias> alias, boolean plumbed, Instant createdAt) {}

  /**
   * Records a portal created because someone joined {@code alias}, with its first links, in one transaction.
   *
   * @throws StoreException when the room or the alias already has a portal, or a remote room is linked elsewhere
   */
  public Portal createPortal(RoomId roomId, RoomAlias alias, List<Link> links) {
    return create(new Portal(roomId, Optional.of(alias), false, now()), links);
  }

  /**
   * Records an existing room that an admin links to remote rooms, with those links, in one transaction.
   *
   * @throws StoreException when the room is already known, or a remote room is linked elsewhere
   */
  public Portal createPlumbedRoom(RoomId roomId, List<Link> links) {
    return create(new Portal(roomId, Optional.empty(), true, now()), links);
  }

  private Portal create(Portal portal, List<Link> links) {
    for (Link link : links) {
      if (!link.roomId().equals(portal.roomId())) {
        throw new IllegalArgumentException("link " + describe(link) + " is for another room than " + portal.roomId());
      }
    }
    return database.inTransaction(c -> {
      // ON CONFLICT DO NOTHING instead of catching the violation: engines report it with different codes, and
      // a failed statement would abort the whole PostgreSQL transaction before we could say which key clashed.
      int inserted = Sql.update(c,
          "INSERT INTO portal (" + PORTAL_COLUMNS + ") VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
          portal.roomId().value(), portal.alias().map(RoomAlias::value).orElse(null), portal.plumbed(),
          portal.createdAt().toEpochMilli());
      if (inserted == 0) {
        if (portal(c, portal.roomId()).isPresent()) {
          throw new StoreException("room " + portal.roomId() + " already has a portal");
        }
        throw new StoreException("alias " + portal.alias().orElseThrow() + " already names portal "
            + portalByAlias(c, portal.alias().orElseThrow()).map(Portal::roomId).orElse(null));
      }
      for (Link link : links) {
        insertLink(c, link);
      }
      return portal;
    });
  }

  public Optional<Portal> portal(RoomId roomId) {
    return database.inTransaction(c -> portal(c, roomId));
  }

  public Optional<Portal> portalByAlias(RoomAlias alias) {
    return database.inTransaction(c -> portalByAlias(c, alias));
  }

  /** Deletes the portal and, by cascade, its links. Returns false when there was none. */
  public boolean deletePortal(RoomId roomId) {
    return database.inTransaction(c -> Sql.update(c, "DELETE FROM portal WHERE room_id = ?", roomId.value()) > 0);
  }

  /**
   * Adds a link to an existing portal.
   *
   * @return false when this exact link was already there
   * @throws StoreException when the room has no portal, or the remote room is linked to another room
   */
  public boolean addLink(Link link) {
    return database.inTransaction(c -> {
      if (portal(c, link.roomId()).isEmpty()) {
        throw new StoreException("cannot link " + describe(link) + ": room " + link.roomId() + " has no portal");
      }
      return insertLink(c, link);
    });
  }

  /** Removes the link between the room and the remote room. Returns false when there was none. */
  public boolean removeLink(Link link) {
    return database.inTransaction(c -> Sql.update(c,
        "DELETE FROM portal_link WHERE room_id = ? AND protocol = ? AND remote_id = ?",
        link.roomId().value(), link.protocol(), link.remoteId()) > 0);
  }

  /** The links of one room, ordered by protocol and remote id. */
  public List<Link> linksOfRoom(RoomId roomId) {
    return database.inTransaction(c -> Sql.list(c,
        "SELECT " + LINK_COLUMNS + " FROM portal_link WHERE room_id = ? ORDER BY protocol, remote_id",
        PortalStore::readLink, roomId.value()));
  }

  /** The link of a remote room; a remote room is linked to at most one Matrix room. */
  public Optional<Link> linkOfRemote(String protocol, String remoteId) {
    return database.inTransaction(c -> linkOfRemote(c, protocol, remoteId));
  }

  /** Every link of one connector, e.g. to rejoin its channels at start. */
  public List<Link> linksOfProtocol(String protocol) {
    return database.inTransaction(c -> Sql.list(c,
        "SELECT " + LINK_COLUMNS + " FROM portal_link WHERE protocol = ? ORDER BY remote_id",
        PortalStore::readLink, protocol));
  }

  private boolean insertLink(Connection c, Link link) throws SQLException {
    int inserted = Sql.update(c,
        "INSERT INTO portal_link (" + LINK_COLUMNS + ", created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        link.roomId().value(), link.protocol(), link.remoteId(), link.plumbed(), now().toEpochMilli());
    if (inserted > 0) {
      return true;
    }
    Link existing = linkOfRemote(c, link.protocol(), link.remoteId())
        .orElseThrow(() -> new StoreException("link " + describe(link) + " was neither inserted nor found"));
    if (!existing.roomId().equals(link.roomId())) {
      throw new StoreException("cannot link " + describe(link) + ": it is already linked to " + existing.roomId());
    }
    return false;
  }

  private static Optional<Portal> portal(Connection c, RoomId roomId) throws SQLException {
    return Sql.one(c, "SELECT " + PORTAL_COLUMNS + " FROM portal WHERE room_id = ?", PortalStore::readPortal,
        roomId.value());
  }

  private static Optional<Portal> portalByAlias(Connection c, RoomAlias alias) throws SQLException {
    return Sql.one(c, "SELECT " + PORTAL_COLUMNS + " FROM portal WHERE alias = ?", PortalStore::readPortal,
        alias.value());
  }

  private static Optional<Link> linkOfRemote(Connection c, String protocol, String remoteId) throws SQLException {
    return Sql.one(c, "SELECT " + LINK_COLUMNS + " FROM portal_link WHERE protocol = ? AND remote_id = ?",
        PortalStore::readLink, protocol, remoteId);
  }

  private static Portal readPortal(ResultSet row) throws SQLException {
    return new Portal(
        RoomId.of(row.getString("room_id")),
        Optional.ofNullable(row.getString("alias")).map(RoomAlias::of),
        row.getBoolean("plumbed"),
        Instant.ofEpochMilli(row.getLong("created_at")));
  }

  private static Link readLink(ResultSet row) throws SQLException {
    return new Link(RoomId.of(row.getString("room_id")), row.getString("protocol"), row.getString("remote_id"),
        row.getBoolean("plumbed"));
  }

  private static String describe(Link link) {
    return link.protocol() + " " + link.remoteId();
  }

  private Instant now() {
    // Millisecond precision, so what we return equals what a later read gives back.
    return Instant.ofEpochMilli(clock.millis());
  }
}
