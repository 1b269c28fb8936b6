package dev.switchboard.core.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * The reference issue 19 states its ingest goal against: raw SQLite WAL commits of the same 100-event transactions
 * from a Python loop ({@code synchronous=FULL}), which builds each transaction's rows in the loop as a program
 * storing events would. Runs {@code bench/raw_sqlite_loop.py} with the {@code python3} on the PATH, in the same run
 * as the bridge, on the same events. Stricter still is {@link RawSqliteReference} (Java, rows built before the
 * clock starts, only INSERT and COMMIT timed); the benchmark prints the bridge against both.
 */
final class PythonSqliteReference {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PythonSqliteReference() {}

  /** The result, or null (with a line saying why) when there is no python3 with sqlite3 here. */
  static RawSqliteReference.Result run(int txns, int eventsPerTxn, long firstEvent,
      LongFunction<RawSqliteReference.Event> events) throws Exception {
    Path dir = Files.createTempDirectory("ingest-python");
    try {
      Path script = dir.resolve("raw_sqlite_loop.py");
      try (InputStream in = PythonSqliteReference.class.getResourceAsStream("/bench/raw_sqlite_loop.py")) {
        Files.copy(in, script);
      }
      Path rows = dir.resolve("events.jsonl");
      try (BufferedWriter w = Files.newBufferedWriter(rows, StandardCharsets.UTF_8)) {
        for (long n = firstEvent; n < firstEvent + (long) txns * eventsPerTxn; n++) {
          RawSqliteReference.Event e = events.apply(n);
          w.write(JSON.writeValueAsString(List.of(e.eventId(), e.originTs(), e.roomId(), e.json())));
          w.newLine();
        }
      }
      Process p;
      try {
        p = new ProcessBuilder("python3", script.toString(), dir.resolve("raw.db").toString(), rows.toString(),
            Integer.toString(eventsPerTxn)).redirectErrorStream(true).start();
      } catch (java.io.IOException noPython) {
        System.out.println("BENCH ingest: no python3 here, the Python reference is skipped: " + noPython);
        return null;
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        System.out.println("BENCH ingest: the Python reference failed: " + out);
        return null;
      }
      String[] f = out.substring(out.lastIndexOf('\n') + 1).trim().split(" ");
      return new RawSqliteReference.Result(txns, Double.parseDouble(f[0]), Double.parseDouble(f[1]),
          Double.parseDouble(f[2]), Double.parseDouble(f[3]), " (not measured)");
    } finally {
      IngestBenchmark.deleteRecursively(dir);
    }
  }
}
