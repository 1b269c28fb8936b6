package dev.switchboard.app.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The windows docs/architecture.md ("Measured windows") documents, which the fault tests assert, and the record of
 * what each run observed ({@code target/fault-windows.txt}, one line per burst) from which that table is made.
 */
final class FaultReport {
  /**
   * Matrix → IRC: extra copies after a SIGKILL, one line per busy lane (written to the socket, done mark not yet
   * committed; docs/architecture.md, "Delivery contract", IRC). The test has one lane.
   */
  static final int IRC_DUPLICATE_WINDOW = 1;
  /**
   * Remote → Matrix: messages the dead process had read from its socket and not yet stored in its outbound queue
   * (measured: 1 to 3 at 20 to 25 messages a second; a slower machine reads further ahead of its commits).
   */
  static final int INBOUND_LOSS_WINDOW = 10;

  /**
   * Matrix → XMPP: extra copies after a SIGKILL (stanzas flushed whose done marks had not committed; marks commit
   * in batches, so at 40 messages a second a few may be pending: measured 0 to 2).
   */
  static final int XMPP_DUPLICATE_WINDOW = 10;

  /**
   * Matrix → SIP: extra texts after a SIGKILL: a MESSAGE is done at its final answer, so at most the one answered
   * whose done mark had not committed (one lane in the test).
   */
  static final int SIP_DUPLICATE_WINDOW = 1;

  /**
   * Matrix → XMPP across a Prosody restart: stanzas the bridge flushed to the component stream while Prosody was
   * shutting down, which Prosody neither routed nor bounced (measured at 40 messages a second: 5 and 6 before the
   * XMPP delivery change, 0 or 1 since).
   */
  static final int XMPP_SHUTDOWN_WINDOW = 10;

  private static final Path FILE = Path.of("target", "fault-windows.txt");

  private FaultReport() {
  }

  static void record(String connector, String direction, String fault, Burst burst) {
    String line = "%s FAULT %s %s [%s] %s".formatted(Instant.now(), connector, direction, fault, burst.summary());
    System.out.println(line);
    try {
      Files.createDirectories(FILE.getParent());
      Files.writeString(FILE, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.out.println("cannot append to " + FILE + ": " + e);
    }
  }
}
