package dev.switchboard.sip.call;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.signalling.SipSignalling;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javax.sip.RequestEvent;
import javax.sip.message.Response;

/**
 * One direction's calls by SIP Call-ID and by Matrix call (room and {@code call_id}): how SIP and Matrix events
 * find their call, and how the other direction and renegotiation see it.
 */
final class CallIndex<C extends BridgedCall> {
  private final Map<String, C> bySip = new ConcurrentHashMap<>();
  private final Map<String, C> byMatrix = new ConcurrentHashMap<>();

  private static String key(RoomId room, String callId) {
    return room.value() + " " + callId;
  }

  void addSip(C call) {
    bySip.put(call.sipCallId(), call);
  }

  /** Makes the call findable by its Matrix call; its room must be known. */
  void addMatrix(C call) {
    byMatrix.put(key(call.room(), call.matrixCallId()), call);
  }

  void removeMatrix(C call) {
    byMatrix.remove(key(call.room(), call.matrixCallId()), call);
  }

  /** Drops an ended call from both indexes. */
  void forget(C call) {
    bySip.remove(call.sipCallId(), call);
    if (call.room() != null) {
      removeMatrix(call);
    }
  }

  C bySip(String sipCallId) {
    return bySip.get(sipCallId);
  }

  C byMatrix(RoomId room, String callId) {
    return byMatrix.get(key(room, callId));
  }

  /** Answers a BYE from the phone: 200 and its call when the call is ours, 481 and empty otherwise. */
  Optional<C> answerBye(RequestEvent bye, SipSignalling sip) {
    C call = bySip.get(SipSignalling.callIdOf(bye.getRequest()));
    sip.respond(bye, call == null ? Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST : Response.OK);
    return Optional.ofNullable(call);
  }

  boolean knowsSip(String sipCallId) {
    return bySip.containsKey(sipCallId);
  }

  boolean knowsMatrix(RoomId room, String callId) {
    return byMatrix.containsKey(key(room, callId));
  }

  /** The renegotiable call with this SIP Call-ID. */
  Optional<Session> session(String sipCallId) {
    return Optional.ofNullable(bySip.get(sipCallId)).flatMap(BridgedCall::session);
  }

  /** The renegotiable call with this Matrix call id in this room. */
  Optional<Session> session(RoomId room, String matrixCallId) {
    return Optional.ofNullable(byMatrix.get(key(room, matrixCallId))).flatMap(BridgedCall::session);
  }

  /** These calls as the glare rule of the other direction sees them; {@code abort} runs on {@code loop}. */
  Glare.Side glareSide(Executor loop, Consumer<C> abort) {
    return new Glare.Side() {
      @Override
      public Optional<String> unanswered(RoomId room, UserId user, UserId ghost) {
        return byMatrix.values().stream()
            .filter(c -> room.equals(c.room()) && user.equals(c.matrixUser()) && ghost.equals(c.ghost())
                && c.unanswered())
            .map(BridgedCall::matrixCallId).findFirst();
      }

      @Override
      public void abort(RoomId room, String callId) {
        loop.execute(() -> {
          C call = byMatrix.get(key(room, callId));
          if (call != null && call.unanswered()) {
            abort.accept(call);
          }
        });
      }
    };
  }
}
