package dev.switchboard.sip.media;

import java.util.ArrayList;
import java.util.List;

/**
 * Calls are audio-only. Before rtpengine sees an offer, its other media sections (video, data channels) are taken
 * out; the answer then gets them back, rejected with port 0, in the offer's order: RFC 3264 6 requires the answer to
 * have exactly the offer's m-lines, and browsers refuse an answer that drops one.
 */
public final class AudioOnly {
  private AudioOnly() {}

  /** A rejected section to put back: its place in the offer, its m-line and its {@code a=mid}, if any. */
  record Removed(int index, String mLine, String mid) {}

  /** An offer with only its audio sections, and what was taken out. */
  public record Stripped(String sdp, List<Removed> removed, int sections) {
    public Stripped {
      removed = List.copyOf(removed);
    }

    public boolean changed() {
      return !removed.isEmpty();
    }
  }

  /** The offer without non-audio sections; unchanged when it has no audio section at all. */
  public static Stripped strip(String offer) {
    Parsed p = parse(offer);
    List<Removed> removed = new ArrayList<>();
    StringBuilder kept = new StringBuilder();
    boolean anyAudio = p.sections.stream().anyMatch(s -> s.get(0).startsWith("m=audio "));
    if (!anyAudio) {
      return new Stripped(offer, List.of(), p.sections.size());
    }
    for (int i = 0; i < p.sections.size(); i++) {
      List<String> s = p.sections.get(i);
      if (s.get(0).startsWith("m=audio ")) {
        s.forEach(l -> kept.append(l).append("\r\n"));
      } else {
        String mid = s.stream().filter(l -> l.startsWith("a=mid:")).map(l -> l.substring(6)).findFirst().orElse(null);
        removed.add(new Removed(i, s.get(0), mid));
      }
    }
    if (removed.isEmpty()) {
      return new Stripped(offer, List.of(), p.sections.size());
    }
    StringBuilder out = new StringBuilder();
    for (String line : p.session) {
      if (line.startsWith("a=group:BUNDLE")) {
        line = withoutMids(line, removed);
      }
      out.append(line).append("\r\n");
    }
    return new Stripped(out.append(kept).toString(), removed, p.sections.size());
  }

  /** The answer to a stripped offer, with the removed sections back in their places, rejected. */
  public static String restore(String answer, Stripped stripped) {
    if (!stripped.changed()) {
      return answer;
    }
    Parsed p = parse(answer);
    StringBuilder out = new StringBuilder();
    p.session.forEach(l -> out.append(l).append("\r\n"));
    int next = 0;
    int r = 0;
    for (int i = 0; i < stripped.sections(); i++) {
      if (r < stripped.removed().size() && stripped.removed().get(r).index() == i) {
        rejected(out, stripped.removed().get(r++));
      } else if (next < p.sections.size()) {
        p.sections.get(next++).forEach(l -> out.append(l).append("\r\n"));
      }
    }
    while (next < p.sections.size()) {
      p.sections.get(next++).forEach(l -> out.append(l).append("\r\n"));
    }
    return out.toString();
  }

  private static void rejected(StringBuilder out, Removed removed) {
    String[] m = removed.mLine().split(" ");
    // m=<media> <port> <proto> <fmt>...: port 0 rejects; the formats are kept because the grammar needs one.
    out.append(m[0]).append(" 0");
    for (int i = 2; i < m.length; i++) {
      out.append(' ').append(m[i]);
    }
    out.append("\r\n").append("c=IN IP4 0.0.0.0\r\n");
    if (removed.mid() != null) {
      out.append("a=mid:").append(removed.mid()).append("\r\n");
    }
    out.append("a=inactive\r\n");
  }

  private static String withoutMids(String group, List<Removed> removed) {
    String[] parts = group.split(" ");
    StringBuilder out = new StringBuilder(parts[0]);
    for (int i = 1; i < parts.length; i++) {
      String mid = parts[i];
      if (removed.stream().noneMatch(r -> mid.equals(r.mid()))) {
        out.append(' ').append(mid);
      }
    }
    return out.toString();
  }

  private record Parsed(List<String> session, List<List<String>> sections) {}

  private static Parsed parse(String sdp) {
    List<String> session = new ArrayList<>();
    List<List<String>> sections = new ArrayList<>();
    for (String line : sdp.split("\r?\n")) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("m=")) {
        sections.add(new ArrayList<>());
      }
      (sections.isEmpty() ? session : sections.get(sections.size() - 1)).add(line);
    }
    return new Parsed(session, sections);
  }
}
