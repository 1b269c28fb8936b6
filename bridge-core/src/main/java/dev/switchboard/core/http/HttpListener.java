package dev.switchboard.core.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A small HTTP/1.1 listener on its own one-thread event loop, for the operator-facing servers (metrics and health,
 * provisioning): the codec and keep-alive handling come first in every connection's pipeline, the server's own
 * handlers after them.
 */
public final class HttpListener implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel channel;

  private HttpListener(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  /**
   * Binds and serves; {@code port} 0 picks a free port (see {@link #port()}).
   *
   * @param handlers adds the server's handlers after {@code codec} and {@code keep-alive}
   */
  public static HttpListener bind(String bind, int port, Consumer<ChannelPipeline> handlers)
      throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      Channel ch = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel c) {
              c.pipeline()
                  .addLast("codec", new HttpServerCodec())
                  .addLast("keep-alive", new HttpServerKeepAliveHandler());
              handlers.accept(c.pipeline());
            }
          })
          .bind(new InetSocketAddress(bind, port))
          .sync()
          .channel();
      return new HttpListener(group, ch);
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
