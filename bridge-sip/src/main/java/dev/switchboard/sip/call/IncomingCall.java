package dev.switchboard.sip.call;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.media.AudioOnly;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import javax.sip.Dialog;
import javax.sip.ServerTransaction;
import javax.sip.message.Request;

/**
 * A call from a phone to a Matrix user. Mutable, but only touched on the loop of {@link IncomingCalls}, one task at a
 * time.
 */
public final class IncomingCall {

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

  final UserId matrixUser;
  final UserId ghost;
  final Dialable caller;
  final String matrixCallId;
  final String ghostPartyId;
  final String sipCallId;
  /** The phone's From tag: rtpengine's from-tag, since the phone made the offer. */
  final String remoteTag;
  /** Our To tag. */
  final String localTag;
  final ServerTransaction inviteTx;
  final Request invite;
  final AudioOnly.Stripped offer;
  final long lifetimeMs;
  final List<String> answerCandidates = new ArrayList<>();

  volatile RoomId room;
  volatile State state = State.OFFERING;
  String answerPartyId;
  String answerSdp;
  Dialog dialog;
  String hangupReason;
  /** The desk phone ringing beside Matrix, if the user has one registered. */
  DeskLegs.Leg desk;
  /** The desk phone took the call: Matrix is out of it. */
  boolean answeredByDesk;
  private ScheduledFuture<?> timer;

  IncomingCall(UserId matrixUser, UserId ghost, Dialable caller, String matrixCallId, String ghostPartyId,
      String sipCallId, String remoteTag, String localTag, ServerTransaction inviteTx, Request invite,
      AudioOnly.Stripped offer, long lifetimeMs) {
    this.matrixUser = matrixUser;
    this.ghost = ghost;
    this.caller = caller;
    this.matrixCallId = matrixCallId;
    this.ghostPartyId = ghostPartyId;
    this.sipCallId = sipCallId;
    this.remoteTag = remoteTag;
    this.localTag = localTag;
    this.inviteTx = inviteTx;
    this.invite = invite;
    this.offer = offer;
    this.lifetimeMs = lifetimeMs;
  }

  public State state() {
    return state;
  }

  void timer(ScheduledFuture<?> t) {
    if (timer != null) {
      timer.cancel(false);
    }
    timer = t;
  }

  @Override
  public String toString() {
    return "call from " + caller + " to " + matrixUser + " (" + state + ", SIP " + sipCallId + ", Matrix "
        + matrixCallId + (room == null ? "" : " in " + room) + ")";
  }
}
