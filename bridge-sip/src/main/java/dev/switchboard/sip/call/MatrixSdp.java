package dev.switchboard.sip.call;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.sip.media.SdpCandidates;
import java.util.ArrayList;
import java.util.List;

/**
 * The SDP of the Matrix client in a call (its offer to a phone, or its answer to one) and the ICE candidates it
 * trickles in {@code m.call.candidates}: gathered until end-of-candidates or the candidate wait, then sent to
 * rtpengine inside the SDP. Only touched on the call loop.
 */
final class MatrixSdp {
  private final String sdp;
  private final List<String> gathered = new ArrayList<>();

  /** @param sdp the audio-only SDP rtpengine gets */
  MatrixSdp(String sdp) {
    this.sdp = sdp;
  }

  String sdp() {
    return sdp;
  }

  /** The candidates of one {@code m.call.candidates} event that belong to this SDP's audio section. */
  Trickled candidates(JsonNode candidates) {
    return Trickled.of(candidates, SdpCandidates.audioMid(sdp));
  }

  /** Keeps candidates that came while gathering. */
  void gather(Trickled t) {
    gathered.addAll(t.lines());
  }

  /** The SDP with every candidate gathered, as rtpengine gets it. */
  String withGathered() {
    return gathered.isEmpty() ? sdp : SdpCandidates.withCandidates(sdp, gathered);
  }
}
