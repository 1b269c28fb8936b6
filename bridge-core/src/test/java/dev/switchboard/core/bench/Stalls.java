package dev.switchboard.core.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where in a run the acknowledgements stalled: a percentile says how many were slow, not whether they came
 * together, and a stall of every acknowledgement for a second (seen once in a paced run) is a different fault from
 * scattered slow commits. Also the machine's load and the JVM's collection time, printed beside the figures.
 */
final class Stalls {
  private static final long WINDOW_NANOS = 100_000_000L;

  private Stalls() {}

  /**
   * The 100 ms windows (by send time, from {@code origin}) holding an acknowledgement over {@code stallMs}, each as
   * {@code <second into the run>s:<worst ms>/<acks over the bound>}; " none" when there is none.
   */
  static String slowWindows(long[] latencyNanos, long[] sentAtNanos, long origin, long stallMs) {
    java.util.TreeMap<Long, long[]> windows = new java.util.TreeMap<>();
    for (int i = 0; i < latencyNanos.length; i++) {
      if (latencyNanos[i] > stallMs * 1_000_000L) {
        long[] w = windows.computeIfAbsent(Math.max(0, sentAtNanos[i] - origin) / WINDOW_NANOS, k -> new long[2]);
        w[0] = Math.max(w[0], latencyNanos[i]);
        w[1]++;
      }
    }
    if (windows.isEmpty()) {
      return " none";
    }
    StringBuilder out = new StringBuilder();
    int shown = 0;
    for (var e : windows.entrySet()) {
      if (++shown > 12) {
        break;
      }
      out.append(String.format(Locale.ROOT, " %.1fs:%.0fms/%d", e.getKey() / 10.0, e.getValue()[0] / 1e6,
          e.getValue()[1]));
    }
    return out + " (" + windows.size() + " windows)";
  }

  /** Milliseconds all collectors of this JVM have spent so far. */
  static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }
}
