package dev.switchboard.sip.media;

import java.util.List;
import java.util.Optional;

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

  /**
   * A trickle ICE SDP fragment (RFC 8840) for rtpengine: the ICE credentials of {@code sdp}'s first audio section
   * (or its session), that section's m-line and mid, and {@code candidates}. Empty when the SDP has no audio
   * section with a mid, or no candidate is left after dropping any with line breaks.
   */
  public static Optional<String> fragment(String sdp, List<String> candidates, boolean end) {
    String ufrag = null;
    String pwd = null;
    String mLine = null;
    String mid = null;
    boolean session = true;
    boolean inAudio = false;
    for (String line : sdp.split("\r?\n")) {
      if (line.startsWith("m=")) {
        session = false;
        if (mLine != null) {
          break; // past the first audio section
        }
        inAudio = line.startsWith("m=audio");
        mLine = inAudio ? line : null;
        continue;
      }
      if (session || inAudio) {
        // Section-level credentials come after the session's and win.
        if (line.startsWith("a=ice-ufrag:")) {
          ufrag = line;
        } else if (line.startsWith("a=ice-pwd:")) {
          pwd = line;
        } else if (inAudio && line.startsWith("a=mid:")) {
          mid = line;
        }
      }
    }
    if (mLine == null || mid == null || ufrag == null || pwd == null) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder().append(ufrag).append("\r\n").append(pwd).append("\r\n")
        .append(mLine).append("\r\n").append(mid).append("\r\n");
    int added = 0;
    for (String c : candidates) {
      if (c.indexOf('\r') < 0 && c.indexOf('\n') < 0 && !c.isBlank()) {
        out.append(c.startsWith("a=") ? c : "a=" + c).append("\r\n");
        added++;
      }
    }
    if (end) {
      out.append("a=end-of-candidates\r\n");
    }
    return added == 0 && !end ? Optional.empty() : Optional.of(out.toString());
  }

  /** The {@code a=mid} of the first audio section, if it has one. */
  public static Optional<String> audioMid(String sdp) {
    boolean inAudio = false;
    for (String line : sdp.split("\r?\n")) {
      if (line.startsWith("m=")) {
        if (inAudio) {
          return Optional.empty();
        }
        inAudio = line.startsWith("m=audio");
      } else if (inAudio && line.startsWith("a=mid:")) {
        return Optional.of(line.substring(6));
      }
    }
    return Optional.empty();
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
