package dev.switchboard.core.store;

import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Which Matrix event is which remote message, so edits, replies and redactions can cross the bridge. */
public final class MessageMapStore {
  private static final String COLUMNS = "protocol, remote_room, remote_id, room_id, event_id, created_at";

  private final Database database;
  private final Clock clock;

  public MessageMapStore(Database database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  /**
   * A message's identity on a remote network.
   *
   * @param remoteRoom the channel, MUC or call it was sent in
   * @param remoteId its id there; where ids are only unique per sender (XMPP stanza ids) the connector includes the
   *     sender
   */
  public record RemoteMessage(String protocol, String remoteRoom, String remoteId) {}

  /** One remote message and the Matrix event that stands for it. */
  public record MessageMapping(RemoteMessage remote, RoomId roomId, EventId eventId, Instant createdAt) {}

  /** A remote id seen again maps to the new event (see {@link #put}). */
  private static final String UPSERT = "INSERT INTO message_map (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)"
      + " ON CONFLICT (protocol, remote_room, remote_id) DO UPDATE SET room_id = excluded.room_id,"
      + " event_id = excluded.event_id, created_at = excluded.created_at";

  /**
   * Records that {@code remote} and {@code eventId} are the same message. A remote id seen again now means the new
   * event: networks that reuse ids refer to the latest message by them.
   */
  public MessageMapping put(RemoteMessage remote, RoomId roomId, EventId eventId) {
    Instant now = Instant.ofEpochMilli(clock.millis());
    database.inTransaction(c -> Sql.update(c, UPSERT, remote.protocol(), remote.remoteRoom(), remote.remoteId(),
        roomId.value(), eventId.value(), now.toEpochMilli()));
    return new MessageMapping(remote, roomId, eventId, now);
  }

  /** One mapping to record with {@link #putAll}. */
  public record NewMapping(RemoteMessage remote, RoomId roomId, EventId eventId) {}

  /**
   * {@link #put} for several mappings in one transaction: one disk flush for all, so a connector that records a busy
   * room's messages as they come can group them instead of paying a commit each.
   */
  public void putAll(java.util.List<NewMapping> mappings) {
    if (mappings.isEmpty()) {
      return;
    }
    long now = clock.millis();
    database.inTransaction(c -> {
      for (NewMapping m : mappings) {
        Sql.update(c, UPSERT, m.remote().protocol(), m.remote().remoteRoom(), m.remote().remoteId(),
            m.roomId().value(), m.eventId().value(), now);
      }
      return null;
    });
  }

  public Optional<MessageMapping> byRemote(RemoteMessage remote) {
    return database.inTransaction(c -> Sql.one(c,
        "SELECT " + COLUMNS + " FROM message_map WHERE protocol = ? AND remote_room = ? AND remote_id = ?",
        MessageMapStore::readMapping, remote.protocol(), remote.remoteRoom(), remote.remoteId()));
  }

  /**
   * The remote messages of one Matrix event, oldest first: one per link of its room, or several where a connector
   * split a long message.
   */
  public List<MessageMapping> byEvent(EventId eventId) {
    return database.inTransaction(c -> Sql.list(c,
        "SELECT " + COLUMNS + " FROM message_map WHERE event_id = ? ORDER BY created_at, protocol, remote_room,"
            + " remote_id",
        MessageMapStore::readMapping, eventId.value()));
  }

  /** Forgets mappings made before {@code cutoff}; returns how many. */
  public int pruneOlderThan(Instant cutoff) {
    return database.inTransaction(c -> Sql.update(c, "DELETE FROM message_map WHERE created_at < ?",
        cutoff.toEpochMilli()));
  }

  /** When the oldest mapping still kept was made; empty when there is none. */
  public Optional<Instant> oldestKept() {
    return database.inTransaction(c -> Sql.one(c, "SELECT MIN(created_at) AS oldest FROM message_map",
        row -> Sql.instant(row, "oldest"))).flatMap(Function.identity());
  }

  private static MessageMapping readMapping(ResultSet row) throws SQLException {
    return new MessageMapping(
        new RemoteMessage(row.getString("protocol"), row.getString("remote_room"), row.getString("remote_id")),
        RoomId.of(row.getString("room_id")),
        EventId.of(row.getString("event_id")),
        Instant.ofEpochMilli(row.getLong("created_at")));
  }
}
