package dev.switchboard.app.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Send and first-arrival times of numbered texts, one direction. */
final class Latencies {
  private final Map<String, Long> sent = new ConcurrentHashMap<>();
  private final Map<String, Long> arrived = new ConcurrentHashMap<>();

  void sent(String text) {
    sent.put(text, System.nanoTime());
  }

  /** Records the first arrival of {@code text} if it is one of this direction's ({@code prefix}). */
  void arrived(String text, String prefix) {
    if (text.startsWith(prefix)) {
      arrived.putIfAbsent(text, System.nanoTime());
    }
  }

  long pending() {
    return sent.keySet().stream().filter(k -> !arrived.containsKey(k)).count();
  }

  Summary summary() {
    List<Double> ms = new ArrayList<>();
    sent.forEach((text, at) -> {
      Long got = arrived.get(text);
      if (got != null) {
        ms.add((got - at) / 1e6);
      }
    });
    ms.sort(Double::compare);
    return new Summary(ms.size(), sent.size() - ms.size(), percentile(ms, 50), percentile(ms, 99));
  }

  private static double percentile(List<Double> sorted, int p) {
    return sorted.isEmpty() ? Double.NaN
        : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }

  record Summary(int arrived, int lost, double p50, double p99) {
    @Override
    public String toString() {
      return String.format("p50 %.1f / p99 %.1f ms, %d arrived, %d lost", p50, p99, arrived, lost);
    }
  }
}
