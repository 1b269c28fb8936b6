package dev.switchboard.sip.call;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.sip.address.Dialable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;

/**
 * A call from a Matrix user to a phone. Mutable, but only touched on the call loop ({@link Calls}), one task at a
 * time.
 */
public final class OutboundCall {

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

  private final RoomId room;
  private final String matrixCallId;
  private final UserId matrixUser;
  private final String matrixPartyId;
  private final Object matrixVersion;
  private final UserId ghost;
  private final String ghostPartyId;
  private final Dialable callee;
  private final String sipCallId;
  private final String localTag;
  private final String offerSdp;
  private final List<String> candidates = new ArrayList<>();
  private final long lifetimeMs;

  private volatile State state = State.GATHERING;
  private ClientTransaction invite;
  private Dialog dialog;
  private String remoteTag;
  private boolean hangupRequested;
  private boolean challenged;
  private String hangupReason;
  private ScheduledFuture<?> timer;

  OutboundCall(RoomId room, String matrixCallId, UserId matrixUser, String matrixPartyId, Object matrixVersion,
      UserId ghost, String ghostPartyId, Dialable callee, String sipCallId, String localTag, String offerSdp,
      long lifetimeMs) {
    this.room = room;
    this.matrixCallId = matrixCallId;
    this.matrixUser = matrixUser;
    this.matrixPartyId = matrixPartyId;
    this.matrixVersion = matrixVersion;
    this.ghost = ghost;
    this.ghostPartyId = ghostPartyId;
    this.callee = callee;
    this.sipCallId = sipCallId;
    this.localTag = localTag;
    this.offerSdp = offerSdp;
    this.lifetimeMs = lifetimeMs;
  }

  public RoomId room() {
    return room;
  }

  public String matrixCallId() {
    return matrixCallId;
  }

  public UserId matrixUser() {
    return matrixUser;
  }

  public String matrixPartyId() {
    return matrixPartyId;
  }

  /** The version the Matrix client spoke ({@code "1"} or {@code 0}); we answer in the same. */
  public Object matrixVersion() {
    return matrixVersion;
  }

  public UserId ghost() {
    return ghost;
  }

  public String ghostPartyId() {
    return ghostPartyId;
  }

  public Dialable callee() {
    return callee;
  }

  public String sipCallId() {
    return sipCallId;
  }

  public String localTag() {
    return localTag;
  }

  public String offerSdp() {
    return offerSdp;
  }

  public List<String> candidates() {
    return candidates;
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

  Dialog dialog() {
    return dialog;
  }

  void dialog(Dialog d) {
    this.dialog = d;
  }

  public String remoteTag() {
    return remoteTag;
  }

  void remoteTag(String tag) {
    this.remoteTag = tag;
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

  public String hangupReason() {
    return hangupReason;
  }

  void hangupReason(String reason) {
    this.hangupReason = reason;
  }

  void timer(ScheduledFuture<?> t) {
    if (timer != null) {
      timer.cancel(false);
    }
    this.timer = t;
  }

  @Override
  public String toString() {
    return "call " + matrixCallId + " in " + room + " to " + callee + " (" + state + ", SIP " + sipCallId + ")";
  }
}
