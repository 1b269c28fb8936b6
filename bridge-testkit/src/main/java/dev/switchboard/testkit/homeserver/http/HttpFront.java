package dev.switchboard.testkit.homeserver.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The listening socket on 127.0.0.1: HTTP codec, aggregation, then hands each request to the dispatcher (which runs
 * handlers off the event loop); streamed bodies are written as the client reads them. Can go away and come back on the same port, to play an outage.
 */
public final class HttpFront implements AutoCloseable {
  private static final int MAX_BODY = 64 * 1024 * 1024;

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final Function<HttpRequest, CompletableFuture<HttpResponse>> dispatcher;
  private final ServerBootstrap bootstrap;
  private volatile Channel listener;
  private int port;

  public HttpFront(Function<HttpRequest, CompletableFuture<HttpResponse>> dispatcher) {
    this.dispatcher = dispatcher;
    this.bootstrap = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        // Re-binding the same port right after an outage must not fail on TIME_WAIT sockets.
        .option(ChannelOption.SO_REUSEADDR, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.add(ch);
            ch.pipeline()
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(MAX_BODY))
                .addLast(new ChunkedWriteHandler())
                .addLast(new RequestHandler());
          }
        });
  }

  /**
   * Binds 127.0.0.1 on a free port (first time) or on the same port again. The first port is taken below the
   * kernel's ephemeral range (32768+ on Linux): a port from that range, once unbound for an outage or a restart,
   * can be handed to some outgoing connection meanwhile, and then re-binding it fails.
   */
  public synchronized void bind() {
    if (port != 0) {
      // A restart keeps the port (the bridge knows the URL). The old socket may linger briefly, or another
      // process may hold the port for a moment: try for a few seconds before giving up.
      RuntimeException last = null;
      for (int attempt = 0; attempt < 50; attempt++) {
        try {
          listener = bindOn(port);
          return;
        } catch (RuntimeException e) {
          last = e;
          try {
            Thread.sleep(100);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rebinding port " + port, ie);
          }
        }
      }
      throw new IllegalStateException("port " + port + " stayed taken for 5 s after a restart", last);
    }
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    RuntimeException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      int candidate = 20_000 + random.nextInt(12_000);
      try {
        listener = bindOn(candidate);
        port = candidate;
        return;
      } catch (RuntimeException e) {
        last = e;
      }
    }
    throw new IllegalStateException("no free port below the ephemeral range", last);
  }

  private Channel bindOn(int p) {
    // Not sync(): it rethrows the checked BindException sneakily, past the callers' retry loops.
    io.netty.channel.ChannelFuture bound = bootstrap.bind(new InetSocketAddress("127.0.0.1", p)).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw new IllegalStateException("cannot bind 127.0.0.1:" + p, bound.cause());
    }
    return bound.channel();
  }

  /** Stops listening and drops every open connection: clients now see refused connections. */
  public synchronized void unbind() {
    Channel l = listener;
    listener = null;
    if (l != null) {
      l.close().syncUninterruptibly();
    }
    connections.close().syncUninterruptibly();
  }

  public boolean isBound() {
    return listener != null;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    unbind();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
      Map<String, String> headers = new LinkedHashMap<>();
      msg.headers().forEach(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
      HttpRequest request = new HttpRequest(msg.method().name(), msg.uri(), headers,
          ByteBufUtil.getBytes(msg.content()));
      boolean keepAlive = HttpUtil.isKeepAlive(msg);
      dispatcher.apply(request).whenComplete((response, failure) -> {
        if (response == null) {
          // A hung request ends with the connection dropped, never with an answer.
          ctx.close();
          return;
        }
        HttpResponseStatus status = HttpResponseStatus.valueOf(response.status());
        io.netty.handler.codec.http.HttpResponse out = response.streamed() == null
            ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(response.body()))
            : new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        out.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.contentLength());
        response.headers().forEach((k, v) -> out.headers().set(k, v));
        HttpUtil.setKeepAlive(out, keepAlive);
        var write = ctx.writeAndFlush(out);
        if (response.streamed() != null) {
          write = ctx.writeAndFlush(new HttpChunkedInput(response.streamed().open(response.from(), response.to())));
        }
        if (!keepAlive) {
          write.addListener(ChannelFutureListener.CLOSE);
        }
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
