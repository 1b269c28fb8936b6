package dev.switchboard.sip.call;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import javax.sip.Dialog;

/**
 * What a call is in either direction: a Matrix call between a user and a ghost in their DM, and the SIP dialog it
 * is bridged to, with rtpengine's tag for each side. {@link OutboundCall} and {@link IncomingCall} add how their
 * direction gets there. Mutable, but only touched on the call loop of its direction, one task at a time.
 */
abstract class BridgedCall {
  private final UserId matrixUser;
  private final UserId ghost;
  private final String matrixCallId;
  private final String ghostPartyId;
  private final String sipCallId;
  private final String localTag;
  private final String contactUser;
  /** The DM; known from the start for a call from Matrix, once the DM is found for a call from a phone. */
  private volatile RoomId room;
  private volatile String remoteTag;
  private Dialog dialog;
  private String hangupReason;
  private ScheduledFuture<?> timer;

  /**
   * @param localTag our SIP tag, also rtpengine's tag of the Matrix side
   * @param remoteTag the phone's SIP tag (rtpengine's tag of the phone side), when already known
   * @param contactUser the user part of our Contact in this dialog
   */
  BridgedCall(RoomId room, String matrixCallId, UserId matrixUser, UserId ghost, String ghostPartyId,
      String sipCallId, String localTag, String remoteTag, String contactUser) {
    this.room = room;
    this.matrixCallId = matrixCallId;
    this.matrixUser = matrixUser;
    this.ghost = ghost;
    this.ghostPartyId = ghostPartyId;
    this.sipCallId = sipCallId;
    this.localTag = localTag;
    this.remoteTag = remoteTag;
    this.contactUser = contactUser;
  }

  /** The VoIP version the ghost speaks in this call: {@code "1"}, or {@code 0} for a version 0 Matrix caller. */
  abstract Object matrixVersion();

  /** The transaction id of the ghost's event {@code what} of this call (a retry sends the same event once). */
  abstract String txnKey(String what);

  /** Ringing and not answered yet: what the glare rule may abort. */
  abstract boolean unanswered();

  /** Up, with Matrix in the call and able to renegotiate (version 1). */
  abstract boolean renegotiable();

  public RoomId room() {
    return room;
  }

  void room(RoomId room) {
    this.room = room;
  }

  public String matrixCallId() {
    return matrixCallId;
  }

  public UserId matrixUser() {
    return matrixUser;
  }

  public UserId ghost() {
    return ghost;
  }

  public String ghostPartyId() {
    return ghostPartyId;
  }

  public String sipCallId() {
    return sipCallId;
  }

  public String localTag() {
    return localTag;
  }

  public String remoteTag() {
    return remoteTag;
  }

  void remoteTag(String tag) {
    this.remoteTag = tag;
  }

  Dialog dialog() {
    return dialog;
  }

  void dialog(Dialog d) {
    this.dialog = d;
  }

  public String hangupReason() {
    return hangupReason;
  }

  void hangupReason(String reason) {
    this.hangupReason = reason;
  }

  /** Replaces the call's pending timer (ring time, candidate wait, duration limit), cancelling the old one. */
  void timer(ScheduledFuture<?> t) {
    if (timer != null) {
      timer.cancel(false);
    }
    this.timer = t;
  }

  /** The call as renegotiation and DTMF see it, while it is renegotiable. */
  Optional<Session> session() {
    if (!renegotiable() || dialog == null || remoteTag == null) {
      return Optional.empty();
    }
    return Optional.of(new Session(sipCallId, localTag, remoteTag, dialog, room, matrixCallId, matrixUser, ghost,
        ghostPartyId, contactUser));
  }
}
