package dev.switchboard.irc.network;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.kitteh.irc.client.library.feature.sending.MessageSendingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kitteh client's "immediate" sending queue without a thread: Kitteh 9 gives every client a thread that only moves
 * lines from a FIFO to the socket ({@code QueueProcessingThreadSender}, which adds no delay). This keeps what that
 * queue promises: one FIFO per client whose order is the order of {@link #queue} calls (the bridge's flood queue
 * drains into it too), lines queued before the socket is up or while it is down are kept and go out, in order, when
 * sending begins on the next socket, {@link #contains} and {@link #shutdown} as Kitteh uses them.
 *
 * <p>Threads: the consumer (Kitteh's {@code channel::writeAndFlush}) always runs as a task on the socket's event loop,
 * never on the caller's thread, as it never did with Kitteh's thread. A caller may hold the connection's or the flood
 * queue's monitor, or be the event loop itself answering a PING; the socket's outbound handlers (which complete the
 * lines' futures, see {@link WrittenLines}) then still run outside those monitors. The event loop runs tasks in the
 * order they were given, and they are given under this queue's monitor, so the wire order is the queue order.
 */
final class ImmediateLane implements MessageSendingQueue {
  private static final Logger log = LoggerFactory.getLogger(ImmediateLane.class);

  private final String name;
  // Guarded by this.
  private final ArrayDeque<String> waiting = new ArrayDeque<>();
  private Consumer<String> consumer;
  private boolean sending;
  private boolean shut;
  /** The current socket's event loop; lines run inline only if no socket of ours ever said where it writes. */
  private Executor loop = Runnable::run;

  /** @param name the client's name, for logs */
  ImmediateLane(String name) {
    this.name = name;
  }

  /** The next socket writes on {@code eventLoop}; told before that socket begins sending. */
  synchronized void writesOn(Executor eventLoop) {
    this.loop = eventLoop;
  }

  @Override
  public synchronized void queue(String line) {
    if (shut) {
      return; // Kitteh's queue keeps nothing after shutdown either
    }
    if (sending && waiting.isEmpty()) {
      hand(line);
    } else {
      waiting.addLast(line);
    }
  }

  @Override
  public synchronized void beginSending(Consumer<String> consumer) {
    this.consumer = consumer;
    this.sending = true;
    for (String line = waiting.pollFirst(); line != null; line = waiting.pollFirst()) {
      hand(line);
    }
  }

  private void hand(String line) {
    Consumer<String> to = consumer;
    try {
      loop.execute(() -> to.accept(line));
    } catch (RejectedExecutionException stopped) {
      // The event loop group is shutting down with the bridge: the socket is gone with it.
      log.debug("IRC {}: a line was not written, the event loop stopped", name);
    }
  }

  @Override
  public synchronized boolean contains(String line) {
    return waiting.contains(line);
  }

  @Override
  public synchronized Optional<Consumer<String>> getConsumer() {
    return Optional.ofNullable(consumer);
  }

  /** The socket closed: lines from now on wait for the next one (lines already handed to the old one stay there). */
  @Override
  public synchronized void pause() {
    sending = false;
  }

  @Override
  public synchronized Queue<String> shutdown() {
    shut = true;
    sending = false;
    Queue<String> rest = new ArrayDeque<>(waiting);
    waiting.clear();
    return rest;
  }
}
