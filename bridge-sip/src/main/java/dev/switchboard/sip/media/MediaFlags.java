package dev.switchboard.sip.media;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What rtpengine should make of an SDP for the side that receives it: the options of an {@code offer} or
 * {@code answer} command besides call id, tags and SDP.
 */
public record MediaFlags(Map<String, Bencoded> options) {
  public MediaFlags {
    options = Map.copyOf(options);
  }

  /**
   * For SDP going to a SIP phone: plain RTP/AVP, no ICE, no DTLS, separate RTCP port, PCMU/PCMA offered beside
   * whatever the Matrix side has (rtpengine transcodes when the phone picks one of them). Browser-only baggage
   * (header extensions, RED redundancy) is dropped; Opus stays so phones that have it need no transcoding.
   */
  public static MediaFlags towardSip() {
    Map<String, Bencoded> o = new LinkedHashMap<>();
    o.put("ICE", Bencoded.of("remove"));
    o.put("DTLS", Bencoded.of("off"));
    o.put("SDES", Bencoded.list("off"));
    o.put("transport-protocol", Bencoded.of("RTP/AVP"));
    o.put("rtcp-mux", Bencoded.list("demux"));
    o.put("replace", Bencoded.list("origin", "session-connection"));
    o.put("flags", Bencoded.list("strip-extmap"));
    o.put("codec", new Bencoded.Dict(Map.of(
        "transcode", Bencoded.list("PCMU", "PCMA"),
        "strip", Bencoded.list("red", "ulpfec", "rtx"))));
    return new MediaFlags(o);
  }

  /**
   * For SDP going to a Matrix client (a browser's WebRTC stack): ICE with rtpengine's own candidates, DTLS-SRTP as
   * the passive side, RTCP multiplexed, an {@code a=mid}. {@code SDES off}: browsers refuse an SDP that carries
   * {@code a=crypto} beside the fingerprint. Opus is added so a phone's PCMU can reach a client that wants Opus.
   */
  public static MediaFlags towardMatrix() {
    Map<String, Bencoded> o = new LinkedHashMap<>();
    o.put("ICE", Bencoded.of("force"));
    o.put("DTLS", Bencoded.of("passive"));
    o.put("SDES", Bencoded.list("off"));
    o.put("transport-protocol", Bencoded.of("UDP/TLS/RTP/SAVPF"));
    o.put("rtcp-mux", Bencoded.list("offer", "require"));
    o.put("replace", Bencoded.list("origin", "session-connection"));
    o.put("flags", Bencoded.list("generate-mid"));
    o.put("codec", new Bencoded.Dict(Map.of("transcode", Bencoded.list("opus"))));
    return new MediaFlags(o);
  }
}
