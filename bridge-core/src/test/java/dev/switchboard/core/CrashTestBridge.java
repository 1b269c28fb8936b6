package dev.switchboard.core;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bridge process for the crash test: core with a connector that appends each event it accepts to a file, and,
 * after {@code blockAfter} events, stops accepting (its futures never complete) so dispatch is unfinished when the
 * test kills the process.
 *
 * <p>Arguments: jdbc url, port file, record file, blockAfter (-1: never), rooms to link (comma-separated), and
 * optionally the port to listen on (default: any free port).
 */
public final class CrashTestBridge {
  private CrashTestBridge() {}

  public static void main(String[] args) throws Exception {
    String jdbcUrl = args[0];
    Path portFile = Path.of(args[1]);
    Path recordFile = Path.of(args[2]);
    int blockAfter = Integer.parseInt(args[3]);
    AtomicInteger accepted = new AtomicInteger();
    RecordingConnector connector = new RecordingConnector("test", CoreHarness.DOMAIN) {
      @Override
      public synchronized CompletableFuture<Void> onEvent(MatrixEvent event, Optional<Link> link) {
        if (blockAfter >= 0 && accepted.get() >= blockAfter) {
          return new CompletableFuture<>(); // never accepted: the entry stays undone
        }
        try {
          Files.writeString(recordFile, event.roomId() + " " + event.eventId() + "\n", StandardCharsets.UTF_8,
              StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
          return CompletableFuture.failedFuture(e);
        }
        accepted.incrementAndGet();
        return CompletableFuture.completedFuture(null);
      }
    };
    // Links must exist before the harness resumes the entries left undone, as the portal table would.
    java.util.Map<dev.switchboard.core.id.RoomId, List<Link>> links = new java.util.concurrent.ConcurrentHashMap<>();
    for (String room : args[4].split(",")) {
      dev.switchboard.core.id.RoomId id = dev.switchboard.core.id.RoomId.of(room);
      links.put(id, List.of(new Link(id, "test", "remote" + room, false)));
    }
    int port = args.length > 5 ? Integer.parseInt(args[5]) : 0;
    CoreHarness core = CoreHarness.start(jdbcUrl, List.of(connector), links, 1024 * 1024, port);
    Files.writeString(portFile.resolveSibling(portFile.getFileName() + ".tmp"), Integer.toString(core.server.port()));
    Files.move(portFile.resolveSibling(portFile.getFileName() + ".tmp"), portFile);
    Thread.currentThread().join();
  }
}
