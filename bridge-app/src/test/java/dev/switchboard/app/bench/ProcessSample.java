package dev.switchboard.app.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One look at a Linux process from outside: resident memory ({@code VmRSS}), its peak so far ({@code VmHWM}), the
 * thread count (all from {@code /proc/<pid>/status}) and the CPU time it has used (user + system, from
 * {@code /proc/<pid>/stat}). What an admin's {@code ps}/{@code top} shows, not what the JVM thinks it uses.
 */
record ProcessSample(long rssKiB, long hwmKiB, int threads, Duration cpu) {
  /** Clock ticks per second for {@code /proc/<pid>/stat} times ({@code getconf CLK_TCK}; 100 on Linux/x86). */
  private static final int TICKS_PER_SECOND = 100;

  static ProcessSample of(long pid) {
    try {
      long rss = -1;
      long hwm = -1;
      int threads = -1;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kib(line);
        } else if (line.startsWith("VmHWM:")) {
          hwm = kib(line);
        } else if (line.startsWith("Threads:")) {
          threads = Integer.parseInt(line.substring("Threads:".length()).trim());
        }
      }
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the command name (which may hold spaces, so split after its closing parenthesis): state is
      // field 3, utime 14, stime 15.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return new ProcessSample(rss, hwm, threads, Duration.ofMillis(ticks * 1000 / TICKS_PER_SECOND));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc for pid " + pid + " (did it exit?)", e);
    }
  }

  /**
   * CPU time by thread name, with digits dropped so that a pool's threads add up ({@code /proc/<pid>/task/*}):
   * which threads a run's CPU went to.
   */
  static java.util.Map<String, Duration> cpuByThread(long pid) {
    java.util.Map<String, Duration> out = new java.util.TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
          long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
          out.merge(name, Duration.ofMillis(ticks * 1000 / TICKS_PER_SECOND), Duration::plus);
        } catch (IOException gone) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc for pid " + pid + " (did it exit?)", e);
    }
    return out;
  }

  private static long kib(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }

  /** The one-minute load average, for the report. */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }

  String mib() {
    return String.format("%.1f MiB", rssKiB / 1024.0);
  }
}
