package dev.switchboard.irc.network;

import dev.switchboard.core.ordering.KeyedSerialExecutor;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.defaults.feature.network.NettyConnection;
import org.kitteh.irc.client.library.feature.network.ClientConnection;
import org.kitteh.irc.client.library.feature.network.NetworkHandler;
import org.kitteh.irc.client.library.feature.network.Resolver;

/**
 * Opens the bridge's IRC sockets (bot and puppets of every network) for Kitteh, on one Netty event loop group the
 * bridge owns, hands each connection its input lane on them (no thread per connection, see {@link
 * SharedThreadsClient}), and remembers each open socket's port pair and ident user name for {@link
 * dev.switchboard.irc.ident.IdentServer}.
 *
 * <p>Kitteh's own handler ({@code NettyNetworkHandler}) does the same minus the bookkeeping; it has no hook that
 * reveals a connection's local port, which an identd needs before the server's query arrives (servers ask right
 * after accepting, before registration). Here the port is recorded in the channel's {@code connect}, on the event
 * loop, as soon as the kernel has assigned it: before the server can even accept. Proxies and STS, which Kitteh's
 * handler supports, are not used by this bridge.
 */
public final class OutgoingConnections implements AutoCloseable {
  /** One open socket as an identd sees it: our local port, the server's port, the server's address. */
  public record Socket(int localPort, int remotePort, InetAddress remoteAddress) {}

  private final EventLoopGroup group;
  private final Map<Socket, String> usernames = new ConcurrentHashMap<>();
  private volatile Resolver resolver = InetAddress::getByName;
  /** Every connection's input lane (see {@link #inputLane}). */
  private final KeyedSerialExecutor<Object> input =
      new KeyedSerialExecutor<>(KeyedSerialExecutor.INLINE, "irc-input");

  /** @param threads event loop threads for every IRC socket of the bridge (0: Netty's default, 2 per core) */
  public OutgoingConnections(int threads) {
    this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
  }

  /** The ident user name of our socket with these ports to that server, if it is open. */
  public Optional<String> username(int localPort, int remotePort, InetAddress remoteAddress) {
    return Optional.ofNullable(usernames.get(new Socket(localPort, remotePort, remoteAddress)));
  }

  /** How many sockets are open. */
  public int open() {
    return usernames.size();
  }

  /** Kitteh's network handler for the connections of one ident user name. */
  public NetworkHandler as(String username) {
    return as(username, null);
  }

  /** As {@link #as(String)}; {@code lines} (may be null) learns when each of its lines is on the socket. */
  NetworkHandler as(String username, WrittenLines lines) {
    return new NetworkHandler() {
      @Override
      public ClientConnection connect(Client.WithManagement client) {
        return OutgoingConnections.this.connect(client, username, lines);
      }

      @Override
      public Resolver getResolver() {
        return resolver;
      }

      @Override
      public void setResolver(Resolver resolver) {
        OutgoingConnections.this.resolver = resolver;
      }
    };
  }

  private ClientConnection connect(Client.WithManagement client, String username, WrittenLines lines) {
    String host = client.getServerAddress().getHost();
    int port = client.getServerAddress().getPort();
    SocketAddress server;
    try {
      server = new InetSocketAddress(resolver.getAddress(host), port);
    } catch (UnknownHostException e) {
      // Netty fails the connect with a clear error; Kitteh then reports it and our reconnect logic takes over.
      server = InetSocketAddress.createUnresolved(host, port);
    }
    Bootstrap bootstrap = new Bootstrap()
        .channel(NioSocketChannel.class)
        .group(group)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline().addLast(new Remember(username));
            if (lines != null) {
              // Kitteh adds its encoders in front of this (addFirst) once connected, so this stays at the tail
              // and sees each line as the String Kitteh was given, with the promise of its socket write.
              channel.pipeline().addLast(lines.handler());
              lines.addInbound(channel.pipeline());
            }
          }
        });
    // Remember binds before connecting (port 0: the kernel picks one), so the local port is known before the
    // server sees us: a pending non-blocking connect does not reveal it until it completes.
    ChannelFuture connecting = bootstrap.connect(server, client.getBindAddress());
    if (client instanceof SharedThreadsClient shared) {
      shared.writesOn(connecting.channel().eventLoop()); // set when the connect call registered the channel
    }
    return new NettyConnection(client, connecting, c -> { });
  }

  /** Records the socket once its local port exists (the connect call binds it) and forgets it when it closes. */
  private final class Remember extends ChannelOutboundHandlerAdapter {
    private final String username;

    Remember(String username) {
      this.username = username;
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
      // Bind, record, then connect: on loopback the server can accept and send its ident query before a combined
      // bind-and-connect call returns. (A bind on the event loop completes at once.)
      ctx.bind(local != null ? local : new InetSocketAddress(0)).addListener(bound -> {
        if (!bound.isSuccess()) {
          promise.tryFailure(bound.cause());
          return;
        }
        remember(ctx, remote);
        ctx.connect(remote, null, promise);
        ctx.pipeline().remove(this);
      });
    }

    private boolean remember(ChannelHandlerContext ctx, SocketAddress remote) {
      if (ctx.channel().localAddress() instanceof InetSocketAddress mine && mine.getPort() != 0
          && remote instanceof InetSocketAddress theirs && theirs.getAddress() != null) {
        Socket socket = new Socket(mine.getPort(), theirs.getPort(), theirs.getAddress());
        usernames.put(socket, username);
        ctx.channel().closeFuture().addListener(f -> usernames.remove(socket, username));
        return true;
      }
      return false;
    }
  }

  /**
   * The lane on which {@code connection}'s incoming lines are handled: one at a time, in the order they were read,
   * across its reconnects. It holds no thread and, while idle, no memory; a line runs at once on the event loop that
   * read it unless the lane is busy, then right after on the thread that runs the lane.
   */
  Executor inputLane(Object connection) {
    return input.lane(connection);
  }

  /** Closes the event loop group; call after every client was shut down. */
  @Override
  public void close() {
    group.shutdownGracefully();
  }
}
