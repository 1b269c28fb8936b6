package dev.switchboard.app.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * A numbered burst {@code m-001 .. m-N} and what arrived of it: which were lost, which came more than once, and which
 * came after a later-numbered one (reordered, counting first arrivals only: a repeat is a duplicate, not a reorder).
 */
record Burst(List<String> sent, List<String> received) {
  /** How fast a Matrix user says a burst (40 a second), so a fault falls in the middle of its delivery. */
  static final Duration MATRIX_PACE = Duration.ofMillis(25);

  private static final Pattern NUMBERED = Pattern.compile("\\bm-\\d{3}\\b");

  Burst {
    sent = List.copyOf(sent);
    received = List.copyOf(received);
  }

  /** {@code m-001} to {@code m-<n>}. */
  static List<String> numbered(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> "m-%03d".formatted(i)).toList();
  }

  /** The burst's message in {@code text} ({@code m-042}), or null; texts may carry a prefix such as a nick. */
  static String messageIn(String text) {
    Matcher m = NUMBERED.matcher(text);
    return m.find() ? m.group() : null;
  }

  /** Tallies {@code arrived} (texts in arrival order; those without a burst message are ignored) against {@code n}. */
  static Burst of(int n, List<String> arrived) {
    List<String> ours = new ArrayList<>();
    for (String text : arrived) {
      String m = messageIn(text);
      if (m != null) {
        ours.add(m);
      }
    }
    return new Burst(numbered(n), ours);
  }

  List<String> lost() {
    Set<String> got = new HashSet<>(received);
    return sent.stream().filter(m -> !got.contains(m)).toList();
  }

  /** Messages that arrived more than once, with how many times. */
  Map<String, Integer> duplicated() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    received.forEach(m -> counts.merge(m, 1, Integer::sum));
    counts.values().removeIf(c -> c == 1);
    return counts;
  }

  /** Extra copies in all: 0 when nothing came twice. */
  int duplicateCopies() {
    return duplicated().values().stream().mapToInt(c -> c - 1).sum();
  }

  /** Messages whose first arrival came after a later-numbered message's. */
  List<String> reordered() {
    Set<String> seen = new HashSet<>();
    List<String> late = new ArrayList<>();
    String highest = null;
    for (String m : received) {
      if (!seen.add(m)) {
        continue;
      }
      if (highest != null && m.compareTo(highest) < 0) {
        late.add(m);
      } else {
        highest = m;
      }
    }
    return late;
  }

  /** One line for logs and the measured-windows table. */
  String summary() {
    return "sent=%d received=%d lost=%d%s duplicated=%d%s reordered=%d%s".formatted(sent.size(), received.size(),
        lost().size(), lost().isEmpty() ? "" : " " + lost(), duplicateCopies(),
        duplicated().isEmpty() ? "" : " " + duplicated(), reordered().size(),
        reordered().isEmpty() ? "" : " " + reordered());
  }

  @Override
  public String toString() {
    return summary();
  }
}
