package dev.switchboard.core.media;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a homeserver's response body to a client without holding it: it asks the homeserver's connection for the
 * next buffers only while the client's socket takes them ({@link Channel#isWritable()}, Netty's write watermarks),
 * so memory per download stays a few buffers whatever the file's size. Skips {@code skip} bytes and sends at most
 * {@code limit} (a range served from a whole-file answer). A download that moves no byte for the stall time (a
 * client that reads nothing, a homeserver that sends nothing) is ended, so it cannot hold one of the endpoint's
 * download slots forever. Everything but {@link Flow.Subscriber} callbacks runs on the channel's event loop.
 */
final class BodyRelay implements Flow.Subscriber<List<ByteBuffer>> {
  private static final Logger log = LoggerFactory.getLogger(BodyRelay.class);
  private final Channel channel;
  private final long expected;
  private final long cap;
  private final Runnable done;
  private final long stallNanos;
  private long lastProgress = System.nanoTime();
  private ScheduledFuture<?> watchdog;
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
   * @param cap a body of unannounced length that grows past this is cut off (the connection closes mid-body, so
   *     the client cannot take it for the whole file)
   * @param stall a download with no progress for this long is ended
   * @param done run once, when the relay ends either way
   */
  BodyRelay(Channel channel, long skip, long limit, long expected, long cap, Duration stall, Runnable done) {
    this.channel = channel;
    this.cap = cap;
    this.stallNanos = stall.toNanos();
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
        long period = Math.max(stallNanos / 4, TimeUnit.MILLISECONDS.toNanos(100));
        watchdog = channel.eventLoop().scheduleAtFixedRate(this::checkProgress, period, period, TimeUnit.NANOSECONDS);
        pull();
      }
    });
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    channel.eventLoop().execute(() -> {
      try {
        write(buffers);
      } catch (RuntimeException | OutOfMemoryError e) {
        // Netty's buffer pool exhausted, or the like: this download ends, the listener goes on.
        log.warn("Media endpoint: relaying a file to {} failed: {}", channel.remoteAddress(), e.toString());
        fail();
      }
    });
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

  private void checkProgress() {
    if (!finished && System.nanoTime() - lastProgress >= stallNanos) {
      log.debug("Media endpoint: a download to {} moved nothing for {} s; ended", channel.remoteAddress(),
          TimeUnit.NANOSECONDS.toSeconds(stallNanos));
      fail();
    }
  }

  /** The client can take more again. */
  void writable() {
    if (waitingForWritable && channel.isWritable()) {
      lastProgress = System.nanoTime();
      waitingForWritable = false;
      pull();
    }
  }

  /** The client went away. */
  void cancel() {
    if (!finished) {
      finish();
      if (subscription != null) {
        subscription.cancel();
      }
    }
  }

  private void write(List<ByteBuffer> buffers) {
    if (finished) {
      return;
    }
    lastProgress = System.nanoTime();
    for (ByteBuffer b : buffers) {
      if (skip > 0) {
        int dropped = (int) Math.min(skip, b.remaining());
        b.position(b.position() + dropped);
        skip -= dropped;
      }
      int n = (int) Math.min(remaining, b.remaining());
      if (sent + n > cap) {
        log.info("Media endpoint: a file of unannounced length passed {} bytes (media.max_bytes); cut off", cap);
        fail();
        return;
      }
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
    finish();
    channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
  }

  private void fail() {
    if (!finished) {
      finish();
      if (subscription != null) {
        subscription.cancel();
      }
      channel.close();
    }
  }

  private void finish() {
    finished = true;
    if (watchdog != null) {
      watchdog.cancel(false);
    }
    done.run();
  }
}
