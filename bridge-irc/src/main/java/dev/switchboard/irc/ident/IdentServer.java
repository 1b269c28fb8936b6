package dev.switchboard.irc.ident;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An identd (RFC 1413) for the bridge's own IRC connections. An IRC server that got our connection asks
 * {@code <our local port> , <its port>}; we answer {@code <our port> , <its port> : USERID : UNIX : <username>}
 * when one of our sockets has exactly that port pair <em>and</em> goes to the address asking (so nobody learns about
 * connections to other hosts), else {@code ... : ERROR : NO-USER}.
 *
 * <p>Input is hostile: lines are cut at 100 bytes (RFC 1413 queries are at most about 12), a longer line or one that
 * is not two ports in 1-65535 gets {@code ERROR : INVALID-PORT}; a connection answers at most 10 queries, closes
 * after 10 s without one, and non-ASCII is never echoed.
 */
public final class IdentServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IdentServer.class);
  private static final int MAX_LINE = 100;
  private static final int MAX_QUERIES = 10;
  private static final int IDLE_SECONDS = 10;
  private static final Pattern QUERY = Pattern.compile("\\s*(\\d{1,5})\\s*,\\s*(\\d{1,5})\\s*");

  /** Who owns one of our sockets: its local port, the server's port, the server's address. */
  @FunctionalInterface
  public interface Owners {
    Optional<String> username(int localPort, int remotePort, InetAddress remoteAddress);
  }

  private final EventLoopGroup group;
  private final Channel listener;

  private IdentServer(EventLoopGroup group, Channel listener) {
    this.group = group;
    this.listener = listener;
  }

  /** Listens on {@code bind}; fails (and releases everything) when the address cannot be bound. */
  public static IdentServer start(InetSocketAddress bind, Owners owners) throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      Channel channel = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_REUSEADDR, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline()
                  .addLast(new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS))
                  .addLast(new LineBasedFrameDecoder(MAX_LINE, true, false))
                  .addLast(new Queries(owners));
            }
          })
          .bind(bind).sync().channel();
      log.info("identd listening on {}", channel.localAddress());
      return new IdentServer(group, channel);
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** The address it listens on (the port, when 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** The answer to one query line from {@code asker}; package-private for tests. */
  static String answer(String line, InetAddress asker, Owners owners) {
    Matcher m = QUERY.matcher(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
    if (!m.matches()) {
      return "0 , 0 : ERROR : INVALID-PORT";
    }
    int local = Integer.parseInt(m.group(1));
    int remote = Integer.parseInt(m.group(2));
    String pair = local + " , " + remote;
    if (local < 1 || local > 65535 || remote < 1 || remote > 65535) {
      return pair + " : ERROR : INVALID-PORT";
    }
    return owners.username(local, remote, asker)
        .map(user -> pair + " : USERID : UNIX : " + user)
        .orElse(pair + " : ERROR : NO-USER");
  }

  private static final class Queries extends SimpleChannelInboundHandler<ByteBuf> {
    private final Owners owners;
    private int answered;

    Queries(Owners owners) {
      this.owners = owners;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
      InetAddress asker = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
      String line = frame.toString(StandardCharsets.US_ASCII);
      String answer = answer(line, asker, owners);
      log.debug("identd: {} asked, answered {}", asker, answer);
      var write = ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(
          (answer + "\r\n").getBytes(StandardCharsets.US_ASCII)));
      if (++answered >= MAX_QUERIES) {
        write.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof TooLongFrameException) {
        ctx.writeAndFlush(ctx.alloc().buffer().writeBytes("0 , 0 : ERROR : INVALID-PORT\r\n"
            .getBytes(StandardCharsets.US_ASCII))).addListener(ChannelFutureListener.CLOSE);
      } else {
        // A read timeout or a reset: nothing to answer.
        log.debug("identd connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
      }
    }
  }

  @Override
  public void close() {
    listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }
}
