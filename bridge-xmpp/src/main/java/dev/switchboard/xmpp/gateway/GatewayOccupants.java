package dev.switchboard.xmpp.gateway;

import dev.switchboard.core.store.Database;
import dev.switchboard.xmpp.stanza.LogText;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gateway rooms' XMPP occupants in the connector's store, so they survive a restart: written at join, nick change
 * and leave (each a single auto-committed statement; joins are rare), read once at start. A failed join write fails
 * the join; a failed rename or removal is logged and the room goes on (the row is at worst a stale occupant after the
 * next restart, removed when a message to it bounces).
 */
final class GatewayOccupants {
  private static final Logger log = LoggerFactory.getLogger(GatewayOccupants.class);

  /** One stored occupant: the room's JID, the occupant's real full JID, the Matrix room at join, its nick. */
  record Row(String roomJid, String realJid, String roomId, String nick) {}

  private final Database db;

  GatewayOccupants(Database db) {
    this.db = db;
  }

  void put(Row row) {
    db.inAutoCommit(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "INSERT INTO xmpp_gateway_occupant (room_jid, real_jid, room_id, nick) VALUES (?, ?, ?, ?)"
              + " ON CONFLICT (room_jid, real_jid) DO UPDATE SET room_id = excluded.room_id, nick = excluded.nick")) {
        st.setString(1, row.roomJid());
        st.setString(2, row.realJid());
        st.setString(3, row.roomId());
        st.setString(4, row.nick());
        return st.executeUpdate();
      }
    });
  }

  void rename(String roomJid, String realJid, String nick) {
    contained("rename", roomJid, () -> db.inAutoCommit(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "UPDATE xmpp_gateway_occupant SET nick = ? WHERE room_jid = ? AND real_jid = ?")) {
        st.setString(1, nick);
        st.setString(2, roomJid);
        st.setString(3, realJid);
        return st.executeUpdate();
      }
    }));
  }

  void remove(String roomJid, String realJid) {
    contained("remove", roomJid, () -> db.inAutoCommit(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "DELETE FROM xmpp_gateway_occupant WHERE room_jid = ? AND real_jid = ?")) {
        st.setString(1, roomJid);
        st.setString(2, realJid);
        return st.executeUpdate();
      }
    }));
  }

  /** Every occupant of {@code roomJid} is gone. */
  void removeRoom(String roomJid) {
    contained("remove all in", roomJid, () -> db.inAutoCommit(c -> {
      try (PreparedStatement st = c.prepareStatement("DELETE FROM xmpp_gateway_occupant WHERE room_jid = ?")) {
        st.setString(1, roomJid);
        return st.executeUpdate();
      }
    }));
  }

  private static void contained(String what, String roomJid, Runnable write) {
    try {
      write.run();
    } catch (RuntimeException e) {
      log.warn("Gateway occupants: {} {} not stored: {}", what, LogText.of(roomJid), LogText.of(e.getMessage()));
    }
  }

  List<Row> all() {
    return db.inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "SELECT room_jid, real_jid, room_id, nick FROM xmpp_gateway_occupant ORDER BY room_jid, real_jid");
          ResultSet rs = st.executeQuery()) {
        List<Row> rows = new ArrayList<>();
        while (rs.next()) {
          rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        }
        return rows;
      }
    });
  }
}
