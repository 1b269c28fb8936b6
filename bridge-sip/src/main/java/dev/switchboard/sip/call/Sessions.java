package dev.switchboard.sip.call;

import dev.switchboard.core.id.RoomId;
import java.util.List;
import java.util.Optional;

/**
 * The calls that are up, in either direction, as renegotiation and in-call DTMF find them: by SIP Call-ID (a
 * re-INVITE, an INFO) or by Matrix call ({@code m.call.negotiate}).
 */
public final class Sessions {
  private final List<CallIndex<?>> directions;

  Sessions(List<CallIndex<?>> directions) {
    this.directions = List.copyOf(directions);
  }

  public Optional<Session> bySipCallId(String sipCallId) {
    return directions.stream().map(d -> d.session(sipCallId)).flatMap(Optional::stream).findFirst();
  }

  public Optional<Session> byMatrixCall(RoomId room, String matrixCallId) {
    return directions.stream().map(d -> d.session(room, matrixCallId)).flatMap(Optional::stream).findFirst();
  }
}
