package dev.switchboard.xmpp.muc;

import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.id.RoomId;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jxmpp.jid.EntityBareJid;

/**
 * The {@code xmpp_muc} table: the room each MUC is bridged into, and when we last heard from the MUC, so the
 * listener's rejoin after a restart or outage asks for the history it missed.
 */
final class MucMarks {
  private static final long SEEN_EVERY_MS = 5_000;
  /** How far the MUC's clock may be ahead of ours before a history request could miss a message. */
  private static final long SEEN_CLOCK_MARGIN_MS = 5_000;

  private final ConnectorContext context;
  private final Map<EntityBareJid, Long> lastMarked = new ConcurrentHashMap<>();

  MucMarks(ConnectorContext context) {
    this.context = context;
  }

  void remember(EntityBareJid muc, RoomId room) {
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

  Optional<Date> lastSeen(EntityBareJid muc) {
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
  void markSeen(EntityBareJid muc, long receivedMs) {
    // The time the message arrived, not now: a message that came after it may not be in the outbound queue yet,
    // and must still be asked for again after a crash. Less a margin for the MUC's clock against ours.
    long now = receivedMs - SEEN_CLOCK_MARGIN_MS;
    Long last = lastMarked.get(muc);
    if (last != null && now - last < SEEN_EVERY_MS) {
      return;
    }
    lastMarked.put(muc, now);
    context.blockingExecutor().execute(() -> context.database().inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement("UPDATE xmpp_muc SET last_seen_ms = ? WHERE muc_jid = ?")) {
        st.setLong(1, now);
        st.setString(2, muc.toString());
        return st.executeUpdate();
      }
    }));
  }
}
