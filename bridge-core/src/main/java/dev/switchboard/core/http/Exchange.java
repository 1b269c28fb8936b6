package dev.switchboard.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's requests, one at a time. Two handlers share this state: {@link Bytes} sits before the HTTP codec
 * (it sees bytes arrive, so it can time a request whose head never completes, and it can stop reading), and
 * {@link Messages} after it (it sees request heads and ends, and the responses going out).
 *
 * <p>A request moves IDLE → RECEIVING (first byte; the request deadline starts) → CHECKING (head complete; reading
 * stops while the {@link RequestCheck} decides) → RECEIVING (admitted; {@code 100 Continue} if asked for; the body
 * is read) → BUSY (body complete; reading stops until the response has been written, so pipelined requests are
 * answered strictly in order) → IDLE. A refusal answers at once and closes, without reading the body: the output is
 * shut down first and what the client still sends is drained for a moment (at most {@link #LINGER_BYTES}), so that
 * the client reads the answer instead of a connection reset. Everything here runs on the channel's event loop.
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);
  static final int LINGER_BYTES = 64 * 1024;
  private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);
  /** Pipelined messages decoded while one request is being answered; a client that sends more is closed. */
  private static final int MAX_HELD = 1024;

  enum State { IDLE, RECEIVING, CHECKING, BUSY, CLOSING }

  private final Channel channel;
  private final HttpListener.Spec spec;
  private final long idleNanos;
  private final long requestNanos;

  private volatile State state = State.IDLE;
  private volatile long lastActivity = System.nanoTime();
  private long requestStarted;
  private long closingSince;
  private long checkStarted;
  private long drained;
  private ScheduledFuture<?> timer;
  private final ArrayDeque<Object> held = new ArrayDeque<>();
  private boolean holding;
  private boolean readWanted;
  /** The rest of a refused request that had no body (its end marker) is dropped, not handed on. */
  private boolean dropping;
  /** A handler answered before the request's body was complete. */
  private boolean answeredEarly;
  private ChannelHandlerContext messages;

  Exchange(Channel channel, HttpListener.Spec spec) {
    this.channel = channel;
    this.spec = spec;
    this.idleNanos = spec.limits().idleTimeout().toNanos();
    this.requestNanos = spec.limits().requestTimeout().toNanos();
  }

  Channel channel() {
    return channel;
  }

  /** Whether the connection waits for a client rather than for us, so closing it loses no work of ours. */
  boolean evictable() {
    State s = state;
    return s == State.IDLE || s == State.RECEIVING;
  }

  long lastActivity() {
    return lastActivity;
  }


  private void arm() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    if (state == State.BUSY) {
      return; // waiting for the endpoint, which has its own timeouts
    }
    long now = System.nanoTime();
    long due = switch (state) {
      case IDLE -> lastActivity + idleNanos;
      case RECEIVING -> earlier(lastActivity + idleNanos, requestStarted + requestNanos);
      case CLOSING -> closingSince + LINGER_NANOS;
      // A check (an OpenID token asked about at a homeserver) has its own timeouts; this only ends one that hangs.
      case CHECKING -> checkStarted + 2 * requestNanos;
      case BUSY -> now;
    };
    timer = channel.eventLoop().schedule(this::tick, Math.max(0, due - now) + 1, TimeUnit.NANOSECONDS);
  }

  /** The earlier of two {@link System#nanoTime} instants (compared by difference: the origin is arbitrary). */
  private static long earlier(long a, long b) {
    return a - b < 0 ? a : b;
  }

  private void tick() {
    timer = null;
    long now = System.nanoTime();
    switch (state) {
      case IDLE -> {
        if (now - lastActivity >= idleNanos) {
          log.debug("{}: closing {} after {} s without a request", spec.name(), channel.remoteAddress(),
              spec.limits().idleTimeout().toSeconds());
          channel.close();
          return;
        }
      }
      case RECEIVING -> {
        if (now - requestStarted >= requestNanos || now - lastActivity >= idleNanos) {
          HttpListener.slowClients.warn("{}: {} did not send its request within {} s; answered 408 and closed",
              spec.name(), channel.remoteAddress(), spec.limits().requestTimeout().toSeconds());
          refuse(HttpListener.error(HttpResponseStatus.REQUEST_TIMEOUT, "M_UNKNOWN",
              "The request did not arrive in time", spec), true);
          return;
        }
      }
      case CHECKING -> {
        if (now - checkStarted >= 2 * requestNanos) {
          log.warn("{}: checking a request from {} took over {} s; answered 503", spec.name(),
              channel.remoteAddress(), 2 * spec.limits().requestTimeout().toSeconds());
          refuse(HttpListener.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "M_UNKNOWN",
              "Could not check the request in time", spec), true);
          return;
        }
      }
      case CLOSING -> {
        if (now - closingSince >= LINGER_NANOS) {
          channel.close();
          return;
        }
      }
      default -> { }
    }
    arm();
  }

  private void beginRequest() {
    state = State.RECEIVING;
    requestStarted = System.nanoTime();
    arm();
  }


  private void hold() {
    holding = true;
    channel.config().setAutoRead(false);
  }

  /** Hands on what was queued, in order, until something holds again; then reading resumes if nothing did. */
  private void release() {
    holding = false;
    while (!holding && !held.isEmpty() && state != State.CLOSING) {
      handle(held.poll());
    }
    if (!holding && state != State.CLOSING) {
      channel.config().setAutoRead(true);
      if (readWanted) {
        readWanted = false;
        channel.read();
      }
    }
  }

  private void releaseHeld() {
    Object m;
    while ((m = held.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }


  private void handle(Object msg) {
    if (state == State.CLOSING) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest head) {
      if (state == State.IDLE) {
        beginRequest();
      }
      if (!head.decoderResult().isSuccess()) {
        ReferenceCountUtil.release(msg);
        refuse(malformed(head.decoderResult().cause()), true);
        return;
      }
      state = State.CHECKING;
      checkStarted = System.nanoTime();
      arm();
      hold();
      CompletionStage<RequestCheck.Verdict> verdict;
      try {
        verdict = spec.check().check(head, channel.remoteAddress());
      } catch (RuntimeException e) {
        verdict = CompletableFuture.failedFuture(e);
      }
      if (verdict instanceof CompletableFuture<RequestCheck.Verdict> done && done.isDone()) {
        decided(head, done.getNow(null), done.isCompletedExceptionally() ? failure(done) : null);
      } else {
        verdict.whenComplete((v, err) -> channel.eventLoop().execute(() -> decided(head, v, err)));
      }
      return;
    }
    if (msg instanceof HttpContent content) {
      if (dropping) {
        content.release();
        if (content instanceof LastHttpContent) {
          dropping = false;
          state = State.IDLE;
          arm();
        }
        return;
      }
      if (!content.decoderResult().isSuccess()) {
        content.release();
        refuse(malformed(content.decoderResult().cause()), true);
        return;
      }
      messages.fireChannelRead(content);
      if (content instanceof LastHttpContent) {
        if (answeredEarly) {
          answeredEarly = false;
          state = State.IDLE;
          arm();
        } else {
          state = State.BUSY;
          arm();
          hold();
        }
      }
      return;
    }
    messages.fireChannelRead(msg);
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.join();
      return null;
    } catch (RuntimeException e) {
      return e.getCause() != null ? e.getCause() : e;
    }
  }

  private void decided(HttpRequest head, RequestCheck.Verdict verdict, Throwable error) {
    if (state != State.CHECKING) {
      ReferenceCountUtil.release(head); // closed meanwhile
      return;
    }
    if (error != null || verdict == null) {
      log.warn("{}: checking a request from {} failed", spec.name(), channel.remoteAddress(), error);
      refuse(HttpListener.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "M_UNKNOWN", "Internal error", spec),
          true);
      ReferenceCountUtil.release(head);
      return;
    }
    boolean hasBody = HttpUtil.isTransferEncodingChunked(head) || HttpUtil.getContentLength(head, 0L) > 0;
    if (verdict instanceof RequestCheck.Verdict.Refuse refusal) {
      ReferenceCountUtil.release(head);
      if (hasBody || !HttpUtil.isKeepAlive(head)) {
        refuse(refusal.answer(), true);
      } else {
        // Nothing to skip: answer and carry on with the connection's next request.
        beginRequest();
        dropping = true;
        write(refusal.answer(), false);
        release();
      }
      return;
    }
    long length = HttpUtil.getContentLength(head, -1L);
    if (length > spec.maxBodyBytes()) {
      ReferenceCountUtil.release(head);
      refuse(tooLarge(spec), true);
      return;
    }
    String expect = head.headers().get(HttpHeaderNames.EXPECT);
    if (expect != null) {
      if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
        ReferenceCountUtil.release(head);
        refuse(HttpListener.error(HttpResponseStatus.EXPECTATION_FAILED, "M_UNKNOWN", "Unsupported Expect", spec),
            true);
        return;
      }
      // Only now, with the caller known: the body may come.
      head.headers().remove(HttpHeaderNames.EXPECT);
      messages.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
          Unpooled.EMPTY_BUFFER));
    }
    channel.attr(HttpListener.ADMITTED).set(((RequestCheck.Verdict.Admit) verdict).principal());
    beginRequest(); // the body gets a deadline of its own: time spent checking is ours, not the client's
    messages.fireChannelRead(head);
    release();
  }

  private FullHttpResponse malformed(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return HttpListener.error(HttpResponseStatus.REQUEST_URI_TOO_LONG, "M_UNKNOWN", "Request line too long", spec);
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return HttpListener.error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "M_UNKNOWN",
          "Request headers too large", spec);
    }
    if (cause instanceof TooLongFrameException) {
      return tooLarge(spec);
    }
    return HttpListener.error(HttpResponseStatus.BAD_REQUEST, "M_UNKNOWN", "Malformed HTTP request", spec);
  }

  static FullHttpResponse tooLarge(HttpListener.Spec spec) {
    return HttpListener.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "M_TOO_LARGE",
        "Request body too large (limit " + spec.maxBodyBytes() + " bytes)", spec);
  }

  /**
   * Answers and, when {@code close}, ends the connection without reading further: the answer, then a shut-down
   * output, then a short drain so the client's unread bytes do not turn our close into a reset.
   */
  void refuse(FullHttpResponse answer, boolean close) {
    if (state == State.CLOSING) {
      answer.release();
      return;
    }
    if (!close) {
      write(answer, false);
      return;
    }
    state = State.CLOSING;
    closingSince = System.nanoTime();
    releaseHeld();
    holding = false;
    HttpUtil.setKeepAlive(answer, false);
    write(answer, true);
    arm();
  }

  private void write(FullHttpResponse answer, boolean thenShutDown) {
    var written = messages.writeAndFlush(answer);
    if (thenShutDown) {
      written.addListener((ChannelFutureListener) f -> {
        if (!f.isSuccess() || !(channel instanceof SocketChannel socket)) {
          channel.close();
          return;
        }
        socket.shutdownOutput().addListener((ChannelFutureListener) s -> {
          channel.config().setAutoRead(true); // drain what the client still sends, up to LINGER_BYTES
          channel.read();
        });
      });
    }
  }

  private void responded() {
    if (state != State.BUSY) {
      return;
    }
    channel.attr(HttpListener.ADMITTED).set(null);
    state = State.IDLE;
    lastActivity = System.nanoTime();
    arm();
    release();
  }

  /** Before the codec: watches bytes arrive, keeps reads off while holding, drains while closing. */
  final class Bytes extends ChannelDuplexHandler {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      arm();
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      lastActivity = System.nanoTime();
      if (state == State.CLOSING) {
        if (msg instanceof ByteBuf b) {
          drained += b.readableBytes();
        }
        ReferenceCountUtil.release(msg);
        if (drained > LINGER_BYTES) {
          ctx.close();
        }
        return;
      }
      if (state == State.IDLE && msg instanceof ByteBuf b && b.isReadable()) {
        beginRequest();
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
      if (holding) {
        readWanted = true; // e.g. the codec asking for more of a request that has to wait
        return;
      }
      ctx.read();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (timer != null) {
        timer.cancel(false);
      }
      state = State.CLOSING;
      releaseHeld();
      ctx.fireChannelInactive();
    }
  }

  /** After the codec: checks heads, holds what waits, notices when a request's answer has gone out. */
  final class Messages extends ChannelDuplexHandler {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      messages = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (holding) {
        held.add(msg);
        if (held.size() > MAX_HELD) {
          log.debug("{}: {} pipelined too many requests; closing", spec.name(), channel.remoteAddress());
          releaseHeld();
          ctx.close();
        }
        return;
      }
      handle(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      boolean interim = msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
      if (!interim && msg instanceof LastHttpContent) {
        if (state == State.BUSY) {
          promise = promise.unvoid();
          promise.addListener(f -> responded());
        } else if (state == State.RECEIVING) {
          answeredEarly = true;
        }
      }
      ctx.write(msg, promise);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      failed(ctx, cause);
    }
  }

  /** Last in the pipeline: a failure in the listener's own handlers ends the connection as one in ours does. */
  final class Failures extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      failed(ctx, cause);
    }
  }

  private void failed(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("{}: connection from {} failed: {}", spec.name(), channel.remoteAddress(), cause.toString());
    ctx.close();
  }
}
