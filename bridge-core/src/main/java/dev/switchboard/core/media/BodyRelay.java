package dev.switchboard.core.media;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * Streams a homeserver's response body to a client without holding it: it asks the homeserver's connection for the
 * next buffers only while the client's socket takes them ({@link Channel#isWritable()}, Netty's write watermarks),
 * so memory per download stays a few buffers whatever the file's size. Skips {@code skip} bytes and sends at most
 * {@code limit} (a range served from a whole-file answer). Everything but {@link Flow.Subscriber} callbacks runs on
 * the channel's event loop.
 */
final class BodyRelay implements Flow.Subscriber<List<ByteBuffer>> {
  private final Channel channel;
  private final long expected;
  private final Runnable done;
  private long skip;
  private long remaining;
  private long sent;
  private Flow.Subscription subscription;
  private boolean waitingForWritable;
  private boolean finished;

  /**
   * @param skip bytes of the body to drop first
   * @param limit bytes to send after them ({@code Long.MAX_VALUE}: all)
   * @param expected bytes the client was promised (-1: unknown); a body that ends short closes the connection
   * @param done run once, when the relay ends either way
   */
  BodyRelay(Channel channel, long skip, long limit, long expected, Runnable done) {
    this.channel = channel;
    this.skip = skip;
    this.remaining = limit;
    this.expected = expected;
    this.done = done;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    channel.eventLoop().execute(() -> {
      subscription = s;
      if (finished) {
        s.cancel();
      } else {
        pull();
      }
    });
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    channel.eventLoop().execute(() -> write(buffers));
  }

  @Override
  public void onError(Throwable error) {
    channel.eventLoop().execute(() -> fail());
  }

  @Override
  public void onComplete() {
    channel.eventLoop().execute(() -> {
      if (finished) {
        return;
      }
      if (expected >= 0 && sent < expected) {
        fail(); // the homeserver sent less than it announced: the client must not take it for the whole file
        return;
      }
      end();
    });
  }

  /** The client can take more again. */
  void writable() {
    if (waitingForWritable && channel.isWritable()) {
      waitingForWritable = false;
      pull();
    }
  }

  /** The client went away. */
  void cancel() {
    if (!finished) {
      finished = true;
      if (subscription != null) {
        subscription.cancel();
      }
      done.run();
    }
  }

  private void write(List<ByteBuffer> buffers) {
    if (finished) {
      return;
    }
    for (ByteBuffer b : buffers) {
      if (skip > 0) {
        int dropped = (int) Math.min(skip, b.remaining());
        b.position(b.position() + dropped);
        skip -= dropped;
      }
      int n = (int) Math.min(remaining, b.remaining());
      if (n > 0) {
        ByteBuf chunk = channel.alloc().buffer(n);
        b.limit(b.position() + n);
        chunk.writeBytes(b);
        channel.write(new DefaultHttpContent(chunk));
        remaining -= n;
        sent += n;
      }
    }
    channel.flush();
    if (remaining == 0) {
      subscription.cancel(); // a range served from a whole file: the rest is not wanted
      end();
      return;
    }
    pull();
  }

  private void pull() {
    if (finished) {
      return;
    }
    if (channel.isWritable()) {
      subscription.request(1);
    } else {
      waitingForWritable = true;
    }
  }

  private void end() {
    finished = true;
    channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    done.run();
  }

  private void fail() {
    if (!finished) {
      finished = true;
      channel.close();
      done.run();
    }
  }
}
