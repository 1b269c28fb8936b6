package dev.switchboard.sip.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.address.Dialable;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import javax.sip.Dialog;
import org.junit.jupiter.api.Test;

class CallIndexTest {
  private static final RoomId DM = RoomId.of("!dm:example.org");
  private static final UserId ALICE = UserId.of("@alice:example.org");
  private static final UserId GHOST = UserId.of("@_sip_+15550001:example.org");

  private static OutboundCall call(String callId, Object version) {
    return new OutboundCall(DM, callId, ALICE, "alice-device", version, GHOST, "ghost-party",
        new Dialable.Number("+15550001"), "sip-" + callId, "local-" + callId, "v=0\r\n", 90_000, "switchboard");
  }

  @Test
  void theGlareRuleSeesACallUntilItIsAnsweredOrItsHangupIsAsked() {
    CallIndex<OutboundCall> index = new CallIndex<>();
    OutboundCall ringing = call("call-a", "1");
    index.addSip(ringing);
    index.addMatrix(ringing);
    List<OutboundCall> aborted = new ArrayList<>();
    Glare.Side side = index.glareSide(Runnable::run, aborted::add);

    assertThat(side.unanswered(DM, ALICE, GHOST)).contains("call-a");
    assertThat(side.unanswered(DM, UserId.of("@bob:example.org"), GHOST)).isEmpty();

    ringing.requestHangup();
    assertThat(side.unanswered(DM, ALICE, GHOST)).isEmpty();
    side.abort(DM, "call-a");
    assertThat(aborted).isEmpty();
  }

  @Test
  void onlyAnAnsweredVersionOneCallIsASessionAndAnEndedCallIsForgotten() {
    CallIndex<OutboundCall> index = new CallIndex<>();
    OutboundCall v1 = call("call-1", "1");
    OutboundCall v0 = call("call-0", 0);
    for (OutboundCall c : List.of(v1, v0)) {
      index.addSip(c);
      index.addMatrix(c);
      c.state(OutboundCall.State.ANSWERED);
      c.remoteTag("phone-tag");
    }
    assertThat(index.session("sip-call-1")).isEmpty(); // no dialog yet

    Dialog dialog = (Dialog) Proxy.newProxyInstance(Dialog.class.getClassLoader(), new Class<?>[] {Dialog.class},
        (proxy, method, args) -> null);
    v1.dialog(dialog);
    v0.dialog(dialog);
    Sessions sessions = new Sessions(List.of(index));
    Session up = sessions.byMatrixCall(DM, "call-1").orElseThrow();
    assertThat(up.matrixTag()).isEqualTo("local-call-1");
    assertThat(up.phoneTag()).isEqualTo("phone-tag");
    assertThat(sessions.bySipCallId("sip-call-1")).contains(up);
    assertThat(sessions.byMatrixCall(DM, "call-0")).isEmpty(); // version 0 cannot renegotiate

    index.forget(v1);
    assertThat(index.knowsSip("sip-call-1")).isFalse();
    assertThat(index.knowsMatrix(DM, "call-1")).isFalse();
  }
}
