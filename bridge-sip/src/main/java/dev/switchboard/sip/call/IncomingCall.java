package dev.switchboard.sip.call;

import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.media.AudioOnly;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;

/**
 * A call from a phone to a Matrix user, on the loop of {@link IncomingCalls}. Its remote tag is the phone's From
 * tag (rtpengine's from-tag, since the phone made the offer); its local tag is our To tag.
 */
public final class IncomingCall extends BridgedCall {
  private static final String VERSION = "1";

  /** Where the call is; each transition after the room is known is written to {@code sip_call}. */
  public enum State {
    /** 100 Trying sent; rtpengine is turning the phone's offer into WebRTC, the DM is being found or opened. */
    OFFERING,
    /** {@code m.call.invite} sent and 180 Ringing: the Matrix user's client rings. */
    RINGING,
    /** The Matrix user answered; waiting for their trickled ICE candidates (until end-of-candidates or a wait). */
    GATHERING,
    /** rtpengine is turning the Matrix answer into plain RTP. */
    ANSWERING,
    /** 200 OK sent. */
    ANSWERED,
    ENDED
  }

  final Dialable caller;
  final ServerTransaction inviteTx;
  final Request invite;
  final AudioOnly.Stripped offer;
  final long lifetimeMs;

  volatile State state = State.OFFERING;
  /** The device that answered, and its answer with the candidates it trickles. */
  String answerPartyId;
  MatrixSdp answer;
  /** The desk phone ringing beside Matrix, if the user has one registered. */
  DeskLegs.Leg desk;
  /** The desk phone took the call: Matrix is out of it. */
  boolean answeredByDesk;

  IncomingCall(UserId matrixUser, UserId ghost, Dialable caller, String matrixCallId, String ghostPartyId,
      String sipCallId, String remoteTag, String localTag, ServerTransaction inviteTx, Request invite,
      AudioOnly.Stripped offer, long lifetimeMs, String contactUser) {
    super(null, matrixCallId, matrixUser, ghost, ghostPartyId, sipCallId, localTag, remoteTag, contactUser);
    this.caller = caller;
    this.inviteTx = inviteTx;
    this.invite = invite;
    this.offer = offer;
    this.lifetimeMs = lifetimeMs;
  }

  public State state() {
    return state;
  }

  /** The ghost always invites in version 1. */
  @Override
  Object matrixVersion() {
    return VERSION;
  }

  @Override
  String txnKey(String what) {
    return "sip/in/" + sipCallId() + "/" + what;
  }

  @Override
  boolean unanswered() {
    return state == State.OFFERING || state == State.RINGING;
  }

  @Override
  boolean renegotiable() {
    return state == State.ANSWERED && !answeredByDesk;
  }

  @Override
  public String toString() {
    return "call from " + caller + " to " + matrixUser() + " (" + state + ", SIP " + sipCallId() + ", Matrix "
        + matrixCallId() + (room() == null ? "" : " in " + room()) + ")";
  }
}
