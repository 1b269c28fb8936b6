package dev.switchboard.sip.call;

import static dev.switchboard.core.failure.Failures.rootMessage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.sip.media.NgClient;
import dev.switchboard.sip.media.SdpCandidates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rtpengine steps both directions of a call take alike: Matrix candidates trickled after the SDP went to
 * rtpengine, and deleting a side at the end. Failures are logged here; they never end a call.
 */
final class CallMedia {
  private static final Logger log = LoggerFactory.getLogger(CallMedia.class);

  private final NgClient media;

  CallMedia(NgClient media) {
    this.media = media;
  }

  NgClient ng() {
    return media;
  }

  /**
   * One {@code m.call.candidates} of the Matrix side of {@code call}: gathered while {@code gathering}, else sent to
   * rtpengine's ICE agent of the Matrix side as an SDP fragment. True when it ended the gathering.
   */
  boolean candidates(BridgedCall call, MatrixSdp sdp, boolean gathering, JsonNode candidates) {
    Trickled t = sdp.candidates(candidates);
    if (gathering) {
      sdp.gather(t);
      return t.end();
    }
    SdpCandidates.fragment(sdp.sdp(), t.lines(), t.end()).ifPresent(fragment ->
        media.trickle(call.sipCallId(), call.localTag(), fragment).whenComplete((v, err) -> {
          if (err != null) {
            log.warn("rtpengine refused trickled candidates of {}: {}", call, rootMessage(err));
          }
        }));
    return false;
  }

  /** Deletes rtpengine's call {@code mediaId} from the side of {@code tag}; {@code call} names it in the log. */
  void delete(String mediaId, String tag, Object call) {
    media.delete(mediaId, tag).whenComplete((v, err) -> {
      if (err != null) {
        log.debug("rtpengine delete for {}: {}", call, rootMessage(err));
      }
    });
  }
}
