package dev.switchboard.sip.call;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import javax.sip.Dialog;

/**
 * A call that is up, in either direction, as renegotiation sees it: the SIP dialog, rtpengine's tags for each side,
 * and the Matrix call.
 *
 * @param matrixTag rtpengine's tag of the Matrix side
 * @param phoneTag rtpengine's tag of the phone side
 * @param contactUser the user part of our Contact in this dialog
 */
public record Session(String sipCallId, String matrixTag, String phoneTag, Dialog dialog, RoomId room,
    String matrixCallId, UserId matrixUser, UserId ghost, String ghostPartyId, String contactUser) {}
