package dev.switchboard.sip.call;

import dev.switchboard.core.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Optional;

/** The {@code sip_call} table: which Matrix call is which SIP dialog, and how far it got. */
public final class CallStore {
  private static final String OUTBOUND = "outbound";
  private static final String INBOUND = "inbound";

  private final Database database;
  private final Clock clock;
  private final CallMeters meters;

  public CallStore(Database database, Clock clock) {
    this(database, clock, CallMeters.NONE);
  }

  /** As above, and every call stored or changed is counted in {@code meters}. */
  public CallStore(Database database, Clock clock, CallMeters meters) {
    this.database = database;
    this.clock = clock;
    this.meters = meters;
  }

  private static String key(dev.switchboard.core.id.RoomId room, String matrixCallId) {
    return room.value() + "|" + matrixCallId;
  }

  /** A stored call. */
  public record Row(String roomId, String matrixCallId, String ghost, String sipCallId, String localTag,
      Optional<String> remoteTag, String state, Optional<String> hangupReason) {}

  /** Records a new outbound call; false when the Matrix call is already known (a repeated invite). */
  public boolean insertOutbound(OutboundCall call) {
    return insert(call, OUTBOUND, call.state().name());
  }

  public void update(OutboundCall call) {
    update(call, OUTBOUND, call.state().name(), call.state() == OutboundCall.State.ANSWERED,
        call.state() == OutboundCall.State.ENDED);
  }

  /** Records a call from a phone once its DM is known; a repeat changes nothing. */
  public void insertInbound(IncomingCall call) {
    insert(call, INBOUND, call.state().name());
  }

  public void updateInbound(IncomingCall call) {
    update(call, INBOUND, call.state().name(), call.state() == IncomingCall.State.ANSWERED,
        call.state() == IncomingCall.State.ENDED);
  }

  private boolean insert(BridgedCall call, String direction, String state) {
    boolean inserted = database.inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement("INSERT INTO sip_call (room_id, matrix_call_id, direction, ghost,"
          + " matrix_user, ghost_party_id, sip_call_id, local_tag, remote_tag, state, created_at)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
        st.setString(1, call.room().value());
        st.setString(2, call.matrixCallId());
        st.setString(3, direction);
        st.setString(4, call.ghost().value());
        st.setString(5, call.matrixUser().value());
        st.setString(6, call.ghostPartyId());
        st.setString(7, call.sipCallId());
        st.setString(8, call.localTag());
        st.setString(9, call.remoteTag());
        st.setString(10, state);
        st.setLong(11, clock.millis());
        return st.executeUpdate() == 1;
      }
    });
    // A call from a phone is counted even when a repeat finds it stored, as it always was.
    if (inserted || direction.equals(INBOUND)) {
      meters.started(direction, key(call.room(), call.matrixCallId()));
    }
    return inserted;
  }

  private void update(BridgedCall call, String direction, String state, boolean answered, boolean ended) {
    meters.changed(direction, key(call.room(), call.matrixCallId()), answered, ended);
    database.inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement("UPDATE sip_call SET state = ?, remote_tag = ?,"
          + " hangup_reason = ?, ended_at = ? WHERE room_id = ? AND matrix_call_id = ?")) {
        st.setString(1, state);
        st.setString(2, call.remoteTag());
        st.setString(3, call.hangupReason());
        if (ended) {
          st.setLong(4, clock.millis());
        } else {
          st.setNull(4, java.sql.Types.BIGINT);
        }
        st.setString(5, call.room().value());
        st.setString(6, call.matrixCallId());
        return st.executeUpdate();
      }
    });
  }

  public Optional<Row> find(String roomId, String matrixCallId) {
    return database.inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement("SELECT room_id, matrix_call_id, ghost, sip_call_id, local_tag,"
          + " remote_tag, state, hangup_reason FROM sip_call WHERE room_id = ? AND matrix_call_id = ?")) {
        st.setString(1, roomId);
        st.setString(2, matrixCallId);
        try (ResultSet rs = st.executeQuery()) {
          if (!rs.next()) {
            return Optional.<Row>empty();
          }
          return Optional.of(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), Optional.ofNullable(rs.getString(6)), rs.getString(7),
              Optional.ofNullable(rs.getString(8))));
        }
      }
    });
  }

  /** Calls a previous run left open: their SIP dialogs died with it. Marks them ended; returns how many. */
  public int endLeftovers() {
    return database.inTransaction(c -> {
      try (PreparedStatement st = c.prepareStatement(
          "UPDATE sip_call SET state = 'ENDED', hangup_reason = 'bridge_restarted', ended_at = ?"
              + " WHERE state <> 'ENDED'")) {
        st.setLong(1, clock.millis());
        return st.executeUpdate();
      }
    });
  }
}
