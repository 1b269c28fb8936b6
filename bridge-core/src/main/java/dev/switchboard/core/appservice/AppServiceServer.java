package dev.switchboard.core.appservice;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.inbox.Inbox;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application-service HTTP API on Netty: codec → size limit → route/auth/parse → endpoint on an executor.
 */
public final class AppServiceServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AppServiceServer.class);

  private final EventLoopGroup group;
  private final Channel channel;
  private final java.util.concurrent.ExecutorService transactions;

  private AppServiceServer(EventLoopGroup group, Channel channel, java.util.concurrent.ExecutorService transactions) {
    this.group = group;
    this.channel = channel;
    this.transactions = transactions;
  }

  /** Settings of the listener. */
  public record Settings(String bind, int port, String hsToken, int maxBodyBytes, Duration queryTimeout) {
    @Override
    public String toString() {
      return "Settings[bind=" + bind + ", port=" + port + ", maxBodyBytes=" + maxBodyBytes + "]";
    }
  }

  /** Binds and starts serving; {@code port} 0 picks a free port (see {@link #port()}). */
  public static AppServiceServer start(Settings settings, Inbox inbox, Connectors connectors, Executor blocking,
      ObjectMapper json) throws InterruptedException {
    return start(settings, inbox, connectors, blocking, json, new CompositeMeterRegistry());
  }

  /**
   * As above, counting refused requests in {@code switchboard.appservice.rejected{reason}} ({@code missing_token},
   * {@code wrong_token}, {@code not_json}): a homeserver with a stale registration shows up there first.
   */
  public static AppServiceServer start(Settings settings, Inbox inbox, Connectors connectors, Executor blocking,
      ObjectMapper json, MeterRegistry metrics) throws InterruptedException {
    AppServiceApi api = new AppServiceApi(inbox, connectors, settings.queryTimeout());
    // Transactions have a thread of their own: the inbox stores one at a time anyway (homeservers send one at a
    // time), and so an acknowledgement never queues behind connectors' blocking work, and always finds the same
    // warm thread and pooled connection (on PostgreSQL: the same server backend, with the statement prepared).
    java.util.concurrent.ExecutorService transactions = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "as-transactions");
      t.setDaemon(true);
      return t;
    });
    AppServiceHandler handler = new AppServiceHandler(settings.hsToken(), api, blocking, transactions, json,
        reason -> Counter.builder("switchboard.appservice.rejected")
            .description("AS API requests refused before reaching an endpoint")
            .tag("reason", reason).register(metrics).increment());
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    try {
      Channel ch = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel c) {
              c.pipeline()
                  .addLast("codec", new HttpServerCodec())
                  .addLast("keep-alive", new HttpServerKeepAliveHandler())
                  .addLast("size-limit", new SizeLimit(settings.maxBodyBytes(), json))
                  .addLast("api", handler);
            }
          })
          .bind(new InetSocketAddress(settings.bind(), settings.port()))
          .sync()
          .channel();
      AppServiceServer server = new AppServiceServer(group, ch, transactions);
      log.info("Application-service API listening on {}:{}", settings.bind(), server.port());
      return server;
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      transactions.shutdown();
      throw e;
    }
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Whether the listening socket is open (for readiness checks). */
  public boolean listening() {
    return channel.isActive();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    transactions.shutdown(); // a transaction being stored finishes its commit
    try {
      transactions.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Aggregates the body up to the limit; above it answers 413 {@code M_TOO_LARGE} in Matrix's error format. */
  private static final class SizeLimit extends HttpObjectAggregator {
    private final ObjectMapper json;

    SizeLimit(int maxBytes, ObjectMapper json) {
      super(maxBytes);
      this.json = json;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      // Like Netty's own: keep the connection if the client can still read our answer after we skip the body.
      boolean keep = !(oversized instanceof FullHttpMessage) && HttpUtil.isKeepAlive(oversized);
      log.warn("Rejected a request body over {} bytes from {}", maxContentLength(), ctx.channel().remoteAddress());
      Responses.write(ctx, Reply.error(413, "M_TOO_LARGE", "Request body too large (limit " + maxContentLength()
          + " bytes)"), keep, json);
      var decoder = ctx.pipeline().get(io.netty.handler.codec.http.HttpObjectDecoder.class);
      if (decoder != null) {
        decoder.reset();
      }
    }
  }
}
