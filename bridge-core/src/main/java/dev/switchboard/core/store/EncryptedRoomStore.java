package dev.switchboard.core.store;

import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The rooms where someone turned end-to-end encryption on: the bridge cannot read them yet, so it tells each room once
 * (across restarts and redeliveries) and {@code !status} lists the bridged ones.
 */
public final class EncryptedRoomStore {
  private static final String COLUMNS = "room_id, event_id, sender, algorithm, enabled_at, told_at";

  private final Database database;
  private final Clock clock;

  public EncryptedRoomStore(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  /**
   * One encrypted room.
   *
   * @param enabledBy who sent the first {@code m.room.encryption} event the bridge saw
   * @param toldAt when the room was told that the bridge cannot carry its messages; empty until then
   */
  public record EncryptedRoom(RoomId roomId, EventId event, UserId enabledBy, String algorithm, Instant enabledAt,
      Optional<Instant> toldAt) {}

  /**
   * Remembers that {@code room} is encrypted, unless it already is known to be (then the first record stays).
   *
   * @return the room's record, new or earlier
   */
  public EncryptedRoom remember(RoomId room, EventId event, UserId sender, String algorithm, Instant enabledAt) {
    return database.inTransaction(c -> {
      Sql.update(c, "INSERT INTO encrypted_room (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, NULL)"
              + " ON CONFLICT (room_id) DO NOTHING",
          room.value(), event.value(), sender.value(), algorithm, enabledAt.toEpochMilli());
      return Sql.one(c, "SELECT " + COLUMNS + " FROM encrypted_room WHERE room_id = ?", EncryptedRoomStore::read,
          room.value())
          .orElseThrow(() -> new StoreException("encrypted room " + room + " was neither stored nor found"));
    });
  }

  /** Records that the room was told. */
  public void told(RoomId room) {
    long now = clock.millis();
    database.inTransaction(c -> Sql.update(c,
        "UPDATE encrypted_room SET told_at = ? WHERE room_id = ? AND told_at IS NULL", now, room.value()));
  }

  public Optional<EncryptedRoom> find(RoomId room) {
    return database.inTransaction(c -> Sql.one(c, "SELECT " + COLUMNS + " FROM encrypted_room WHERE room_id = ?",
        EncryptedRoomStore::read, room.value()));
  }

  /** The encrypted rooms that still have a link, oldest encryption first. */
  public List<EncryptedRoom> bridged() {
    return database.inTransaction(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM encrypted_room e"
            + " WHERE EXISTS (SELECT 1 FROM portal_link l WHERE l.room_id = e.room_id)"
            + " ORDER BY enabled_at, room_id",
        EncryptedRoomStore::read));
  }

  private static EncryptedRoom read(ResultSet row) throws SQLException {
    return new EncryptedRoom(RoomId.of(row.getString("room_id")), EventId.of(row.getString("event_id")),
        UserId.of(row.getString("sender")), row.getString("algorithm"), Instant.ofEpochMilli(row.getLong("enabled_at")),
        Sql.instant(row, "told_at"));
  }
}
