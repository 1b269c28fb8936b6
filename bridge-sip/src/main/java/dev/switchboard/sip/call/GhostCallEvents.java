package dev.switchboard.sip.call;

import static dev.switchboard.core.failure.Failures.rootMessage;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ghost's side of a Matrix call: the {@code m.call.*} events it sends for a bridged call, in the VoIP version
 * the call speaks, each under a transaction id of its own so that a retry sends it once.
 */
final class GhostCallEvents {
  private static final Logger log = LoggerFactory.getLogger(GhostCallEvents.class);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Intents intents;

  GhostCallEvents(Intents intents) {
    this.intents = intents;
  }

  /** {@code call_id} and {@code version}, and the ghost's {@code party_id} in version 1 (version 0 has none). */
  static ObjectNode content(String callId, Object version, String partyId) {
    ObjectNode c = JSON.objectNode().put("call_id", callId);
    if (version instanceof String v) {
      c.put("version", v).put("party_id", partyId);
    } else {
      c.put("version", 0);
    }
    return c;
  }

  static ObjectNode content(BridgedCall call) {
    return content(call.matrixCallId(), call.matrixVersion(), call.ghostPartyId());
  }

  /** End-of-candidates: rtpengine's SDP carries all its candidates, so the client waits for no more. */
  static ObjectNode endOfCandidates(BridgedCall call) {
    ObjectNode c = content(call);
    c.putArray("candidates").addObject().put("candidate", "").put("sdpMid", "0").put("sdpMLineIndex", 0);
    return c;
  }

  /** Sends an event of the ghost into a room. */
  CompletableFuture<EventId> send(UserId ghost, RoomId room, String type, ObjectNode content, String txnId) {
    return intents.ghost(ghost).sendEvent(room, type, content, txnId, Optional.empty());
  }

  /** Sends the call's event {@code what} (the last part of its transaction id). */
  CompletableFuture<EventId> send(BridgedCall call, String type, ObjectNode content, String what) {
    return send(call.ghost(), call.room(), type, content, call.txnKey(what));
  }

  /** Sends an SDP-carrying event ({@code m.call.invite}, {@code m.call.answer}) and then end-of-candidates. */
  CompletableFuture<EventId> sendWithEndOfCandidates(BridgedCall call, String type, ObjectNode content, String what,
      String candidatesWhat) {
    return send(call, type, content, what)
        .thenCompose(id -> send(call, "m.call.candidates", endOfCandidates(call), candidatesWhat));
  }

  /** Sends without waiting: a failure is logged, the call goes on (the client times out at worst). */
  void tell(BridgedCall call, String type, ObjectNode content, String what) {
    logFailure(send(call, type, content, what), call, what);
  }

  void hangup(BridgedCall call, String reason) {
    tell(call, "m.call.hangup", content(call).put("reason", reason), "hangup");
  }

  /** {@code m.call.select_answer}: the answer of {@code partyId} took the call, other devices stop ringing. */
  void selectAnswer(BridgedCall call, String partyId) {
    tell(call, "m.call.select_answer", content(call).put("selected_party_id", partyId), "select");
  }

  static void logFailure(CompletableFuture<?> sent, Object call, String what) {
    sent.whenComplete((id, err) -> {
      if (err != null) {
        log.warn("Could not send the {} of {} to Matrix: {}", what, call, rootMessage(err));
      }
    });
  }
}
