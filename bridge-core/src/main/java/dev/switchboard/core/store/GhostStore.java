package dev.switchboard.core.store;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Ghosts (Matrix users standing for remote users), and what we know of their memberships. */
public final class GhostStore {
  private static final String GHOST_COLUMNS =
      "user_id, protocol, remote_id, display_name, avatar_url, registered, updated_at";

  private final Database database;
  private final Clock clock;

  public GhostStore(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  /**
   * A Matrix user standing for a remote user.
   *
   * @param remoteId the connector's name for the remote user, e.g. {@code libera/alice}
   * @param avatarUrl an {@code mxc://} URI
   * @param registered true once the homeserver knows the user, so we do not register again
   */
  public record Ghost(
      UserId userId,
      String protocol,
      String remoteId,
      Optional<String> displayName,
      Optional<String> avatarUrl,
      boolean registered,
      Instant updatedAt) {}

  /**
   * Records a ghost or updates its remote identity and profile, keeping whether it is registered.
   *
   * @param displayName the profile name, or null for none
   * @param avatarUrl the {@code mxc://} avatar, or null for none
   * @throws StoreException when the remote user already has another ghost
   */
  public Ghost upsert(UserId userId, String protocol, String remoteId, String displayName, String avatarUrl) {
    long now = clock.millis();
    return database.inTransaction(c -> {
      Optional<Ghost> holder = find(c, "protocol = ? AND remote_id = ?", protocol, remoteId);
      if (holder.isPresent() && !holder.get().userId().equals(userId)) {
        throw new StoreException("remote user " + protocol + " " + remoteId + " already has ghost "
            + holder.get().userId() + ", not " + userId);
      }
      Sql.update(c, "INSERT INTO ghost (" + GHOST_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)"
              + " ON CONFLICT (user_id) DO UPDATE SET protocol = excluded.protocol, remote_id = excluded.remote_id,"
              + " display_name = excluded.display_name, avatar_url = excluded.avatar_url,"
              + " updated_at = excluded.updated_at",
          userId.value(), protocol, remoteId, displayName, avatarUrl, false, now);
      return find(c, "user_id = ?", userId.value()).orElseThrow();
    });
  }

  /** Notes that the homeserver now knows the ghost. Returns false when there is no such ghost. */
  public boolean markRegistered(UserId userId) {
    long now = clock.millis();
    return database.inTransaction(c -> Sql.update(c,
        "UPDATE ghost SET registered = ?, updated_at = ? WHERE user_id = ?", true, now, userId.value()) > 0);
  }

  public Optional<Ghost> find(UserId userId) {
    return database.inTransaction(c -> find(c, "user_id = ?", userId.value()));
  }

  public Optional<Ghost> find(String protocol, String remoteId) {
    return database.inTransaction(c -> find(c, "protocol = ? AND remote_id = ?", protocol, remoteId));
  }

  /**
   * Remembers the membership of a user in a room, so we do not join or invite twice, and know who of ours can speak
   * there. Without a disk flush: a cache, kept up to date from every member event, whose loss to a power cut costs
   * at most one notice from the wrong user.
   */
  public void setMembership(RoomId roomId, UserId userId, Membership membership) {
    database.inRelaxedTransaction(c -> Sql.update(c,
        "INSERT INTO membership_cache (room_id, user_id, membership) VALUES (?, ?, ?)"
            + " ON CONFLICT (room_id, user_id) DO UPDATE SET membership = excluded.membership",
        roomId.value(), userId.value(), membership.wireName()));
  }

  /** The remembered membership; empty when we know nothing, which is not the same as {@code leave}. */
  public Optional<Membership> membership(RoomId roomId, UserId userId) {
    return database.inTransaction(c -> Sql.one(c,
        "SELECT membership FROM membership_cache WHERE room_id = ? AND user_id = ?",
        row -> Membership.fromWire(row.getString("membership")), roomId.value(), userId.value()));
  }

  /** The users remembered as joined to {@code roomId}, by user id. */
  public List<UserId> joined(RoomId roomId) {
    return database.inTransaction(c -> Sql.list(c,
        "SELECT user_id FROM membership_cache WHERE room_id = ? AND membership = ? ORDER BY user_id",
        row -> UserId.of(row.getString("user_id")), roomId.value(), Membership.JOIN.wireName()));
  }

  /** Forgets every membership in a room, e.g. when its portal goes away. Returns the entries removed. */
  public int forgetRoom(RoomId roomId) {
    return database.inTransaction(c -> Sql.update(c, "DELETE FROM membership_cache WHERE room_id = ?",
        roomId.value()));
  }

  private static Optional<Ghost> find(Connection c, String where, Object... params) throws SQLException {
    return Sql.one(c, "SELECT " + GHOST_COLUMNS + " FROM ghost WHERE " + where, GhostStore::readGhost, params);
  }

  private static Ghost readGhost(ResultSet row) throws SQLException {
    return new Ghost(
        UserId.of(row.getString("user_id")),
        row.getString("protocol"),
        row.getString("remote_id"),
        Optional.ofNullable(row.getString("display_name")),
        Optional.ofNullable(row.getString("avatar_url")),
        row.getBoolean("registered"),
        Instant.ofEpochMilli(row.getLong("updated_at")));
  }
}
