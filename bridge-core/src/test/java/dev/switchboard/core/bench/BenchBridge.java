package dev.switchboard.core.bench;

import dev.switchboard.core.CoreHarness;
import dev.switchboard.core.RecordingConnector;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.event.MatrixEvent;
import dev.switchboard.core.id.RoomId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The receiving side of the ingest benchmark in a process of its own, as a bridge runs beside a homeserver:
 * AS API, inbox and dispatch to a no-op connector over 20 linked rooms. Arguments: jdbc url, port file.
 */
public final class BenchBridge {
  private BenchBridge() {}

  public static void main(String[] args) throws Exception {
    RecordingConnector sink = new RecordingConnector("test", CoreHarness.DOMAIN) {
      @Override
      public CompletableFuture<Void> onEvent(MatrixEvent e, Optional<Link> link) {
        return CompletableFuture.completedFuture(null);
      }
    };
    Map<RoomId, List<Link>> links = new ConcurrentHashMap<>();
    for (int r = 0; r < 20; r++) {
      RoomId room = RoomId.of("!room" + r + ":test.local");
      links.put(room, List.of(new Link(room, "test", "net/#c" + r, false)));
    }
    CoreHarness core = CoreHarness.start(args[0], List.of(sink), links, 64 * 1024 * 1024);
    Path portFile = Path.of(args[1]);
    Files.writeString(portFile.resolveSibling(portFile.getFileName() + ".tmp"), Integer.toString(core.server.port()));
    Files.move(portFile.resolveSibling(portFile.getFileName() + ".tmp"), portFile);
    Thread.currentThread().join();
  }
}
