package dev.switchboard.sip.call;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.address.Dialable;
import dev.switchboard.sip.media.AudioOnly;
import javax.sip.ClientTransaction;

/** A call from a Matrix user to a phone, on the loop of {@link Calls}. */
public final class OutboundCall extends BridgedCall {

  /** Where the call is; each transition is written to {@code sip_call}. */
  public enum State {
    /** Waiting for the Matrix client's trickled ICE candidates (until end-of-candidates or a short wait). */
    GATHERING,
    /** rtpengine is turning the WebRTC offer into plain RTP. */
    OFFERING,
    /** INVITE sent, no provisional response yet: a CANCEL must wait for one (RFC 3261 9.1). */
    INVITING,
    /** A provisional response came: the phone rings; CANCEL is allowed. */
    RINGING,
    ANSWERED,
    ENDED
  }

  private final String matrixPartyId;
  private final Object matrixVersion;
  private final Dialable callee;
  private final String offerSdp;
  /** The offer without its non-audio sections, which the answer gets back rejected. */
  private final AudioOnly.Stripped offer;
  private final MatrixSdp matrixSdp;
  private final long lifetimeMs;

  private volatile State state = State.GATHERING;
  private ClientTransaction invite;
  private boolean hangupRequested;
  private boolean challenged;

  OutboundCall(RoomId room, String matrixCallId, UserId matrixUser, String matrixPartyId, Object matrixVersion,
      UserId ghost, String ghostPartyId, Dialable callee, String sipCallId, String localTag, String offerSdp,
      long lifetimeMs, String contactUser) {
    super(room, matrixCallId, matrixUser, ghost, ghostPartyId, sipCallId, localTag, null, contactUser);
    this.matrixPartyId = matrixPartyId;
    this.matrixVersion = matrixVersion;
    this.callee = callee;
    this.offerSdp = offerSdp;
    this.offer = AudioOnly.strip(offerSdp);
    this.matrixSdp = new MatrixSdp(offer.sdp());
    this.lifetimeMs = lifetimeMs;
  }

  public String matrixPartyId() {
    return matrixPartyId;
  }

  /** The version the Matrix client spoke ({@code "1"} or {@code 0}); we answer in the same. */
  @Override
  public Object matrixVersion() {
    return matrixVersion;
  }

  @Override
  String txnKey(String what) {
    return "sip/" + room().value() + "/" + matrixCallId() + "/" + what;
  }

  @Override
  boolean unanswered() {
    return switch (state) {
      case GATHERING, OFFERING, INVITING, RINGING -> !hangupRequested;
      case ANSWERED, ENDED -> false;
    };
  }

  /** Version 0 has no renegotiation. */
  @Override
  boolean renegotiable() {
    return state == State.ANSWERED && matrixVersion instanceof String;
  }

  public Dialable callee() {
    return callee;
  }

  /** The Matrix client's offer as it came. */
  public String offerSdp() {
    return offerSdp;
  }

  AudioOnly.Stripped offer() {
    return offer;
  }

  /** The audio-only offer and the candidates trickled for it. */
  MatrixSdp matrixSdp() {
    return matrixSdp;
  }

  public long lifetimeMs() {
    return lifetimeMs;
  }

  public State state() {
    return state;
  }

  void state(State s) {
    this.state = s;
  }

  ClientTransaction invite() {
    return invite;
  }

  void invite(ClientTransaction tx) {
    this.invite = tx;
  }

  boolean hangupRequested() {
    return hangupRequested;
  }

  void requestHangup() {
    this.hangupRequested = true;
  }

  boolean challenged() {
    return challenged;
  }

  void challenged(boolean c) {
    this.challenged = c;
  }

  @Override
  public String toString() {
    return "call " + matrixCallId() + " in " + room() + " to " + callee + " (" + state + ", SIP " + sipCallId()
        + ")";
  }
}
