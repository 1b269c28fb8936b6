package dev.switchboard.core.http;

import dev.switchboard.core.failure.ThrottledWarning;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 listener with the pipeline every Switchboard listener (AS API, provisioning, metrics) shares:
 * connection limit → idle and request timeouts → codec → {@link RequestCheck} on the request head (authentication
 * before any body is read, {@code 100 Continue} only after it) and the body size limit → one request at a time, so
 * pipelined requests are answered in order → keep-alive → aggregation → the listener's own handlers, which get
 * whole, admitted requests → a last handler that logs and closes a connection whose handling failed. See {@link Exchange} for the life of a request.
 */
public final class HttpListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpListener.class);
  /** Warnings a client can cause: throttled, shared by all listeners. */
  static final ThrottledWarning refusedConnections = new ThrottledWarning(log, Duration.ofSeconds(10));
  static final ThrottledWarning slowClients = new ThrottledWarning(log, Duration.ofSeconds(10));
  static final AttributeKey<Object> ADMITTED = AttributeKey.valueOf("switchboard.http.admitted");

  private final EventLoopGroup group;
  private final Channel channel;
  private final ConnectionLimit limit;

  private HttpListener(EventLoopGroup group, Channel channel, ConnectionLimit limit) {
    this.group = group;
    this.channel = channel;
    this.limit = limit;
  }

  /**
   * What to serve and how.
   *
   * @param name for log lines ({@code AS API}, {@code Provisioning API}, {@code Metrics})
   * @param threads event loop threads
   * @param maxBodyBytes larger bodies get 413 {@code M_TOO_LARGE}, before they are read when the length is declared
   * @param check decides on each request from its head
   * @param handlers added after aggregation; they receive {@code FullHttpRequest}s
   * @param errorHeaders adds headers to the listener's own error answers (408, 413, ...), e.g. CORS
   */
  public record Spec(String name, String bind, int port, int threads, ListenerLimits limits, int maxBodyBytes,
      RequestCheck check, Consumer<ChannelPipeline> handlers, Consumer<HttpHeaders> errorHeaders) {}

  /** Binds and serves; {@code port} 0 picks a free port (see {@link #port()}). */
  public static HttpListener bind(Spec spec) throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(spec.threads(), NioIoHandler.newFactory());
    ConnectionLimit limit = new ConnectionLimit(spec.name(), spec.limits().maxConnections());
    try {
      Channel ch = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel c) {
              Exchange exchange = new Exchange(c, spec);
              if (!limit.admit(exchange)) {
                c.close();
                return;
              }
              c.pipeline()
                  .addLast("bytes", exchange.new Bytes())
                  .addLast("codec", new HttpServerCodec())
                  .addLast("exchange", exchange.new Messages())
                  .addLast("keep-alive", new HttpServerKeepAliveHandler())
                  .addLast("aggregate", new Aggregator(spec, exchange));
              spec.handlers().accept(c.pipeline());
              c.pipeline().addLast("failures", exchange.new Failures());
            }
          })
          .bind(new InetSocketAddress(spec.bind(), spec.port()))
          .sync()
          .channel();
      return new HttpListener(group, ch, limit);
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** What the {@link RequestCheck} admitted the request in hand as ({@link RequestCheck.Verdict.Admit#principal}). */
  public static <T> T admitted(ChannelHandlerContext ctx, Class<T> type) {
    Object p = ctx.channel().attr(ADMITTED).get();
    return type.isInstance(p) ? type.cast(p) : null;
  }

  /** A Matrix-style error answer of the listener itself, with the listener's {@link Spec#errorHeaders}. */
  static FullHttpResponse error(HttpResponseStatus status, String errcode, String message, Spec spec) {
    return HttpAnswer.error(status, errcode, message).response(spec.errorHeaders());
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Whether the listening socket is open (for readiness checks). */
  public boolean listening() {
    return channel.isActive();
  }

  /** Connections open now. */
  public int connections() {
    return limit.open();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  /** Aggregates admitted bodies; one without a declared length that outgrows the limit is refused and closed. */
  private static final class Aggregator extends HttpObjectAggregator {
    private final Spec spec;
    private final Exchange exchange;

    Aggregator(Spec spec, Exchange exchange) {
      super(spec.maxBodyBytes());
      this.spec = spec;
      this.exchange = exchange;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      log.info("{}: refused a request body over {} bytes from {}", spec.name(), spec.maxBodyBytes(),
          ctx.channel().remoteAddress());
      exchange.refuse(Exchange.tooLarge(spec), true);
    }
  }
}
