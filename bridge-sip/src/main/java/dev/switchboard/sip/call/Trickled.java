package dev.switchboard.sip.call;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The candidates of one {@code m.call.candidates} event that belong to the call's audio section, and whether it
 * ends them (an empty {@code candidate} is end-of-candidates).
 */
record Trickled(List<String> lines, boolean end) {
  Trickled {
    lines = List.copyOf(lines);
  }

  /** Keeps candidates without an {@code sdpMid} or with the audio section's; others belong to stripped media. */
  static Trickled of(JsonNode candidates, Optional<String> audioMid) {
    List<String> lines = new ArrayList<>();
    boolean end = false;
    for (JsonNode c : candidates) {
      String line = c.path("candidate").asText("");
      if (line.isEmpty()) {
        end = true;
        continue;
      }
      String mid = c.path("sdpMid").asText("");
      if (mid.isEmpty() || audioMid.isEmpty() || audioMid.get().equals(mid)) {
        lines.add(line);
      }
    }
    return new Trickled(lines, end);
  }
}
