package dev.switchboard.sip.media;

import java.util.List;

/**
 * Puts ICE candidates that a Matrix client trickled ({@code m.call.candidates}) into its offer, so that rtpengine
 * gets them in one go. Calls are audio-only: candidates go into the first audio section.
 */
public final class SdpCandidates {
  private SdpCandidates() {}

  /** True when the SDP says no more candidates will come. */
  public static boolean complete(String sdp) {
    return sdp.contains("a=end-of-candidates");
  }

  /**
   * The SDP with {@code candidates} (each {@code candidate:...}, without {@code a=}) added at the end of the first
   * audio section, followed by {@code a=end-of-candidates}.
   */
  public static String withCandidates(String sdp, List<String> candidates) {
    String[] lines = sdp.split("\r?\n");
    StringBuilder out = new StringBuilder();
    boolean inAudio = false;
    boolean added = false;
    for (String line : lines) {
      if (line.startsWith("m=")) {
        if (inAudio && !added) {
          append(out, candidates);
          added = true;
        }
        inAudio = line.startsWith("m=audio");
      }
      if (inAudio && line.equals("a=end-of-candidates")) {
        continue;
      }
      out.append(line).append("\r\n");
    }
    if (inAudio && !added) {
      append(out, candidates);
    }
    return out.toString();
  }

  private static void append(StringBuilder out, List<String> candidates) {
    for (String c : candidates) {
      // A candidate is one SDP attribute: a CR or LF in it would add lines of the sender's choosing.
      if (c.indexOf('\r') < 0 && c.indexOf('\n') < 0 && !c.isBlank()) {
        out.append(c.startsWith("a=") ? c : "a=" + c).append("\r\n");
      }
    }
    out.append("a=end-of-candidates\r\n");
  }
}
