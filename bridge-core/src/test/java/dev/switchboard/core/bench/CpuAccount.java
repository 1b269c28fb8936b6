package dev.switchboard.core.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU and allocation spent during a benchmark run, per thread group and in total, plus the CPU of other processes
 * that serve the run (the bridge in its own process, a PostgreSQL server). Unlike wall-clock latency these hardly
 * move when other work shares the machine, so runs on a busy and on a quiet machine can be compared.
 */
final class CpuAccount {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private final Map<Long, String> names = new HashMap<>();
  private final Map<Long, long[]> start = new HashMap<>();
  private final List<Long> otherProcesses;
  private final long otherStartNanos;
  private final long gcCountStart;
  private final long gcMillisStart;
  private final String loadAverage;
  private final long processCpuStart;
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private CpuAccount(List<Long> otherProcesses) {
    this.otherProcesses = otherProcesses;
    this.loadAverage = loadAverage();
    this.processCpuStart = OS.getProcessCpuTime();
    for (long id : THREADS.getAllThreadIds()) {
      var info = THREADS.getThreadInfo(id);
      if (info != null) {
        names.put(id, group(info.getThreadName()));
        start.put(id, new long[] {THREADS.getThreadCpuTime(id), THREADS.getThreadAllocatedBytes(id)});
      }
    }
    this.otherStartNanos = processesCpuNanos(otherProcesses);
    this.gcCountStart = gc(true);
    this.gcMillisStart = gc(false);
  }

  /** Starts counting; {@code otherProcesses} are pids whose CPU (with their children's threads) counts too. */
  static CpuAccount start(List<Long> otherProcesses) {
    return new CpuAccount(otherProcesses);
  }

  /** One line: CPU ms and allocated KiB per transaction, by thread group, other processes and GC. */
  String report(int txns, String sender) {
    Map<String, long[]> byGroup = new TreeMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      var info = THREADS.getThreadInfo(id);
      if (info == null) {
        continue;
      }
      long cpu = THREADS.getThreadCpuTime(id);
      long alloc = THREADS.getThreadAllocatedBytes(id);
      long[] before = start.getOrDefault(id, new long[] {0, 0});
      String group = names.getOrDefault(id, group(info.getThreadName()));
      long[] sum = byGroup.computeIfAbsent(group, g -> new long[2]);
      sum[0] += cpu - before[0];
      sum[1] += alloc - before[1];
    }
    long senderCpu = byGroup.getOrDefault(sender, new long[2])[0];
    long bridgeCpu = 0;
    long bridgeAlloc = 0;
    StringBuilder groups = new StringBuilder();
    for (var e : byGroup.entrySet()) {
      if (e.getKey().equals(sender) || e.getValue()[0] < 1_000_000) {
        continue;
      }
      bridgeCpu += e.getValue()[0];
      bridgeAlloc += e.getValue()[1];
      groups.append(String.format(Locale.ROOT, " %s=%.3f", e.getKey(), e.getValue()[0] / 1e6 / txns));
    }
    long other = processesCpuNanos(otherProcesses) - otherStartNanos;
    long process = OS.getProcessCpuTime() - processCpuStart;
    return String.format(Locale.ROOT,
        "CPU per txn: this JVM %.2f ms, of which Java threads %.2f ms (%s ) and load generator %.2f ms, the rest "
            + "GC and JIT; other processes (own-process bridge, PostgreSQL) %.2f ms; "
            + "allocated %.0f KiB/txn; GC %d collections, %d ms; load average at start %s",
        process / 1e6 / txns, bridgeCpu / 1e6 / txns, groups, senderCpu / 1e6 / txns, other / 1e6 / txns,
        bridgeAlloc / 1024.0 / txns, gc(true) - gcCountStart, gc(false) - gcMillisStart, loadAverage);
  }

  /** Thread names without their numbers: pool-3-thread-7 and pool-3-thread-2 are one group. */
  private static String group(String name) {
    return name.replaceAll("\\d+", "#");
  }

  private static long gc(boolean count) {
    long sum = 0;
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += count ? b.getCollectionCount() : b.getCollectionTime();
    }
    return sum;
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** User + system CPU of the processes and their direct children (PostgreSQL's backends), from /proc. */
  private static long processesCpuNanos(List<Long> pids) {
    if (pids.isEmpty()) {
      return 0;
    }
    long ticks = 0;
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String[] stat = stat(p);
        if (stat == null) {
          continue;
        }
        long pid = Long.parseLong(name);
        long ppid = Long.parseLong(stat[1]);
        if (pids.contains(pid) || pids.contains(ppid)) {
          ticks += Long.parseLong(stat[11]) + Long.parseLong(stat[12]); // utime, stime
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return ticks * 1_000_000_000L / CLOCK_TICKS_PER_SECOND;
  }

  /** The fields of /proc/pid/stat after the command name (so index 0 is the state). */
  private static String[] stat(Path proc) {
    try {
      String s = Files.readString(proc.resolve("stat"), StandardCharsets.US_ASCII);
      return s.substring(s.lastIndexOf(')') + 2).split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The postmaster listening on {@code port}, found by its command line; empty if none is. */
  static List<Long> postgresServer(int port) {
    List<Long> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        try {
          String cmd = Files.readString(p.resolve("cmdline"), StandardCharsets.UTF_8);
          if (cmd.contains("postgres") && cmd.contains("-p\0" + port + "\0") || cmd.contains("-p " + port + " ")) {
            found.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException e) {
          // not a process, or gone
        }
      }
    } catch (IOException e) {
      return found;
    }
    return found;
  }
}
