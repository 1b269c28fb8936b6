package dev.switchboard.app.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The network floor for {@link PuppetScaleBenchmark}: a process that holds N bare IRC clients on one Netty event
 * loop group (as many loops as the bridge's) and does only what any client must: register ({@code NICK}/{@code
 * USER}), join its channel, answer {@code PING}. Started like the bridge, its RSS, threads and CPU per client are
 * what an idle IRC connection costs in a JVM on this machine before any bridging. Driven over stdin: {@code connect
 * <count> <per channel> <nick prefix>} (prints {@code joined N}, counting all so far, once they are in their
 * channels {@code #<channel prefix><i / per channel>}), {@code status} (prints {@code open N}), {@code quit}.
 *
 * <p>Arguments: host, port, channel prefix.
 */
public final class StandInPuppets {
  /** The line printed once the event loops are up and nothing is connected. */
  static final String READY = "stand-in ready";

  private StandInPuppets() {
  }

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String prefix = args[2];
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
    List<Channel> open = new CopyOnWriteArrayList<>();
    AtomicInteger joined = new AtomicInteger();
    // At most this many registrations in flight, as the bridge's paced connects keep the server's backlog small.
    Semaphore registering = new Semaphore(100);
    System.out.println(READY);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    int wanted = 0;
    for (String command = in.readLine(); command != null; command = in.readLine()) {
      String[] words = command.split(" ");
      switch (words[0]) {
        case "connect" -> {
          // connect <count> <per channel> <nick prefix>: nicks prefix0.., channel #<prefix of the run><i / per>
          int count = Integer.parseInt(words[1]);
          int perChannel = Integer.parseInt(words[2]);
          wanted += count;
          for (int i = 0; i < count; i++) {
            registering.acquire();
            String nick = words[3] + i;
            String channel = "#" + prefix + (i / perChannel);
            Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new LineBasedFrameDecoder(8192),
                        new StringDecoder(StandardCharsets.UTF_8), new StringEncoder(StandardCharsets.UTF_8),
                        new Client(nick, channel, joined, registering));
                  }
                });
            Channel ch = bootstrap.connect(host, port).sync().channel();
            open.add(ch);
            ch.closeFuture().addListener(f -> open.remove(ch));
          }
          while (joined.get() < wanted && open.size() >= wanted) {
            Thread.sleep(100);
          }
          System.out.println("joined " + joined.get());
        }
        case "status" -> System.out.println("open " + open.size());
        case "quit" -> {
          group.shutdownGracefully().sync();
          return;
        }
        default -> System.out.println("unknown command " + command);
      }
    }
  }

  /** One client: registers, joins, answers PING, reads and drops everything else. */
  private static final class Client extends SimpleChannelInboundHandler<String> {
    private final String nick;
    private final String channel;
    private final AtomicInteger joined;
    private final Semaphore registering;
    private boolean registered;
    private boolean in;

    Client(String nick, String channel, AtomicInteger joined, Semaphore registering) {
      this.nick = nick;
      this.channel = channel;
      this.joined = joined;
      this.registering = registering;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.writeAndFlush("NICK " + nick + "\r\nUSER " + nick + " 8 * :stand-in\r\n");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, String line) {
      String[] parts = line.split(" ", 4);
      if (parts[0].equals("PING")) {
        ctx.writeAndFlush("PONG " + line.substring(5) + "\r\n");
      } else if (!registered && parts.length > 1 && parts[1].equals("001")) {
        registered = true;
        registering.release();
        ctx.writeAndFlush("JOIN " + channel + "\r\n");
      } else if (!in && parts.length > 1 && parts[1].equals("366")) {
        in = true;
        joined.incrementAndGet();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!registered) {
        registering.release();
      }
    }
  }
}
