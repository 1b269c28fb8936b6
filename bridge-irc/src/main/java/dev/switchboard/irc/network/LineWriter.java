package dev.switchboard.irc.network;

import dev.switchboard.core.connector.RemoteUnavailableException;
import dev.switchboard.irc.flood.ScheduledSendQueue;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Hands a connection's message lines to Kitteh (its flood queue) and follows each until Netty has written it to the
 * socket ({@link WrittenLines}) or, with IRCv3 {@code echo-message}, the server echoed it ({@link EchoTracker}). When
 * the connection is lost or stopped, what was not written fails and never goes out on the next connection.
 */
final class LineWriter {
  private final WrittenLines wire = new WrittenLines();
  private final EchoTracker echoes;
  private final Consumer<String> sendRawLine;
  private final BooleanSupplier echoMessage;
  /** Kitteh's queue for ordinary lines, set when Kitteh builds the client. */
  private volatile ScheduledSendQueue sendQueue;

  /**
   * @param sendRawLine hands a raw line to Kitteh
   * @param echoMessage whether the server acknowledged {@code echo-message} on this connection
   */
  LineWriter(String network, Supplier<String> nick, Consumer<String> sendRawLine, BooleanSupplier echoMessage) {
    this.echoes = new EchoTracker(network, nick);
    this.sendRawLine = sendRawLine;
    this.echoMessage = echoMessage;
  }

  /** What the socket's pipeline tells when a line is written. */
  WrittenLines wire() {
    return wire;
  }

  EchoTracker echoes() {
    return echoes;
  }

  /** Kitteh built the client's flood queue. */
  void useQueue(ScheduledSendQueue queue) {
    this.sendQueue = queue;
  }

  /** Lines handed to Kitteh and not yet on the socket. */
  int pending() {
    return wire.pending();
  }

  /** Hands {@code out} to Kitteh for {@code target}; {@code out.sent} completes once it is written (or echoed). */
  void write(String target, OutgoingLine out) {
    String raw = out.rawTo(target, echoMessage.getAsBoolean());
    // Registered before the hand-off: the write, and the echo, can happen before sendRawLine returns.
    wire.expect(raw, out);
    if (out.awaitsEcho()) {
      echoes.written(target, out);
    }
    try {
      if (target.isEmpty() || target.indexOf(' ') >= 0) {
        throw new IllegalArgumentException("not a valid IRC target: " + target.replaceAll("\\p{Cntrl}", "?"));
      }
      sendRawLine.accept(raw);
    } catch (RuntimeException e) {
      wire.forget(List.of(raw));
      echoes.forget(out);
      out.sent.completeExceptionally(e);
    }
  }

  /**
   * The connection was lost: lines handed to Kitteh but not written fail now (their events are held and run again)
   * and are taken out of the flood queue; lines not yet echoed count as dropped.
   */
  void lost() {
    wire.lost(new RemoteUnavailableException("the IRC connection was lost"));
    ScheduledSendQueue queue = sendQueue;
    if (queue != null) {
      wire.forget(queue.discard(wire::isCancelled));
    }
    echoes.dropped();
  }

  /** The connection stopped for good: every line not yet written or echoed fails with {@code error}. */
  void stopped(RuntimeException error) {
    wire.lost(error);
    echoes.dropped();
  }
}
