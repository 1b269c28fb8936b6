package dev.switchboard.irc.network;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows each message line of one connection from the moment it is handed to Kitteh until Netty has written it to
 * the socket, which is where a Matrix event's delivery ends (DESIGN.md, "Data flow and guarantees" 3). Kitteh passes
 * a line through its send queues and finally to {@code Channel.writeAndFlush} but drops the write's future; {@link
 * #handler()}, at the tail of the socket's pipeline, sees the same {@code String} instance with its promise, so lines
 * are matched by identity, never by text (two users can send the same text; a PING may look like anything).
 *
 * <p>When the connection is lost, lines not yet written are failed at once (the dispatcher holds and retries their
 * events) and stay marked, so a copy still sitting in Kitteh's immediate queue is dropped instead of being written
 * on the next connection: a retried event would otherwise reach the channel twice.
 */
final class WrittenLines {
  /** What happens to one line. Both calls may come on a Netty event loop: they must not block. */
  interface Line {
    void written();

    void failed(Throwable cause);
  }

  private static final class Entry {
    final Line line;
    boolean cancelled;

    Entry(Line line) {
      this.line = line;
    }
  }

  /** Whether each socket's pipeline gets a {@link ChannelLineFilter} (puppets' connections). */
  private volatile boolean filterChannelLines;

  // Guarded by this. Identity: the same text from two events is two lines.
  private final Map<String, Entry> expected = new IdentityHashMap<>();

  /** {@code raw} (this exact instance) is about to be handed to Kitteh. */
  synchronized void expect(String raw, Line line) {
    expected.put(raw, new Entry(line));
  }

  /** Whether {@code raw} (this instance) was given up by {@link #lost()} and must not reach a socket. */
  synchronized boolean isCancelled(String raw) {
    Entry e = expected.get(raw);
    return e != null && e.cancelled;
  }

  /** Lines handed to Kitteh and neither written nor given up. */
  synchronized int pending() {
    return (int) expected.values().stream().filter(e -> !e.cancelled).count();
  }

  /** The connection is gone: every line not written yet fails with {@code cause} and will never be written. */
  void lost(Throwable cause) {
    List<Line> failed = new ArrayList<>();
    synchronized (this) {
      for (Entry e : expected.values()) {
        if (!e.cancelled) {
          e.cancelled = true;
          failed.add(e.line);
        }
      }
    }
    failed.forEach(l -> l.failed(cause));
  }

  /** Forgets lines given up by {@link #lost()} that were taken out of the send queue (they never reach Netty). */
  synchronized void forget(List<String> raws) {
    raws.forEach(expected::remove);
  }

  private synchronized Entry take(String raw) {
    return expected.remove(raw);
  }

  /** From the next socket on, other people's channel messages are dropped before Kitteh parses them. */
  void filterChannelLines() {
    filterChannelLines = true;
  }

  /** Adds this connection's inbound handlers to a new socket's pipeline: the channel line filter, if asked for. */
  void addInbound(io.netty.channel.ChannelPipeline pipeline) {
    if (filterChannelLines) {
      pipeline.addLast(ChannelLineFilter.installer());
    }
  }

  /** A handler for the tail of one socket's pipeline (a new one per socket). */
  ChannelHandler handler() {
    return new Tail();
  }

  private final class Tail extends ChannelOutboundHandlerAdapter {
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      Entry entry = msg instanceof String raw ? take(raw) : null;
      if (entry == null) {
        ctx.write(msg, promise);
        return;
      }
      if (entry.cancelled) {
        promise.trySuccess(); // a line from a connection that is gone; its event was failed and runs again
        return;
      }
      promise.addListener(f -> {
        if (f.isSuccess()) {
          entry.line.written();
        } else {
          entry.line.failed(f.cause());
        }
      });
      ctx.write(msg, promise);
    }
  }
}
