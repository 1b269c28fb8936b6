package dev.switchboard.xmpp.component;

import dev.switchboard.core.ordering.SerialExecutor;
import dev.switchboard.xmpp.stanza.StanzaCodec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jivesoftware.smack.SmackConfiguration;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Stanza;
import org.jxmpp.jid.Jid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An XEP-0114 external component connection on Netty: stream open in {@code jabber:component:accept}, SHA-1
 * handshake, a stanza read loop, stream errors, whitespace keepalive, reconnect with jittered exponential backoff,
 * stanzas buffered while disconnected, and IQ request/response matching with timeouts.
 *
 * <p>All connection state lives on one event loop thread; the listener and IQ futures are called on the given
 * executor, one at a time and in stream order, never on the event loop (listeners may call the homeserver).
 */
public final class ComponentConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ComponentConnection.class);
  private static final String STREAMS_NS = "http://etherx.jabber.org/streams";

  /** What the connection reports; every call comes from the callback executor, in order. */
  public interface Listener {
    /** The handshake succeeded (first time or after a reconnect); buffered stanzas have been sent. */
    void onReady();

    /** The stream went away; a reconnect is scheduled. */
    default void onDisconnected() {}

    /** A stanza addressed to the component that is not the response to one of our IQ requests. */
    void onStanza(Stanza stanza);
  }

  /** Where the connection stands. */
  public enum State { CONNECTING, READY, DISCONNECTED, REFUSED, CLOSED }

  /** An IQ request that did not get its answer because the stream went away first. */
  public static final class DisconnectedException extends Exception {
    public DisconnectedException(String message) {
      super(message);
    }
  }

  private record PendingIq(CompletableFuture<IQ> future, Jid to) {}

  private final ComponentSettings settings;
  private final Listener listener;
  private final Executor callbacks;
  private final Random random;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final AtomicInteger connectAttempts = new AtomicInteger();

  // Event loop state.
  private Channel channel;
  private boolean ready;
  private boolean closed;
  private boolean refused;
  private int failures;
  private boolean overflowWarned;
  private final ArrayDeque<String> buffer = new ArrayDeque<>();
  private final Map<String, PendingIq> pending = new HashMap<>();
  private volatile State state = State.DISCONNECTED;
  private static final long HANDSHAKE_TIMEOUT_FLOOR_MS = 10_000;
  /** Completes at the next handshake (after the listener's state is reset: on the callback executor). */
  private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<Void>> nextReady =
      new java.util.concurrent.atomic.AtomicReference<>(new CompletableFuture<>());

  public ComponentConnection(ComponentSettings settings, Listener listener, Executor callbackPool, Random random) {
    this.settings = Objects.requireNonNull(settings);
    this.listener = Objects.requireNonNull(listener);
    this.callbacks = new SerialExecutor(callbackPool);
    this.random = random;
    // Smack initialises its providers on first use; do it here rather than on the event loop.
    SmackConfiguration.getVersion();
    this.group = new MultiThreadIoEventLoopGroup(1, r -> {
      Thread t = new Thread(r, "xmpp-component-" + settings.domain());
      t.setDaemon(true);
      return t;
    }, NioIoHandler.newFactory());
    this.loop = group.next();
  }

  /** Connects in the background; failures are logged and retried. */
  public void start() {
    loop.execute(this::connect);
  }

  public State state() {
    return state;
  }

  /** How many TCP connections were attempted so far. */
  public int connectAttempts() {
    return connectAttempts.get();
  }

  public String domain() {
    return settings.domain();
  }

  /**
   * Completes when the stream is up: at once when it is, else at the next successful handshake (never, once closed).
   * For work that must wait out an outage instead of failing, e.g. a MUC join that the lost stream cancelled.
   */
  public CompletableFuture<Void> whenReady() {
    CompletableFuture<Void> next = nextReady.get();
    return state == State.READY ? CompletableFuture.completedFuture(null) : next;
  }

  /** Sends the stanza now, or as soon as the stream is back (oldest dropped beyond the buffer limit). */
  public void send(Stanza stanza) {
    String xml = StanzaCodec.toXml(stanza);
    onLoop(() -> writeOrBuffer(xml));
  }

  /**
   * Sends an IQ get/set and completes with its result or error IQ; fails with {@link TimeoutException} after the
   * IQ timeout, or {@link DisconnectedException} when the stream goes away while it is on the wire.
   */
  public CompletableFuture<IQ> request(IQ iq) {
    return request(iq, settings.iqTimeout());
  }

  public CompletableFuture<IQ> request(IQ iq, Duration timeout) {
    String id = iq.getStanzaId();
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("an IQ request needs an id");
    }
    CompletableFuture<IQ> future = new CompletableFuture<>();
    String xml = StanzaCodec.toXml(iq);
    onLoop(() -> {
      pending.put(id, new PendingIq(future, iq.getTo()));
      loop.schedule(() -> {
        PendingIq p = pending.remove(id);
        if (p != null) {
          callbacks.execute(() -> p.future().completeExceptionally(
              new TimeoutException("no answer to IQ " + id + " to " + iq.getTo() + " within " + timeout)));
        }
      }, timeout.toMillis(), TimeUnit.MILLISECONDS);
      writeOrBuffer(xml);
    });
    return future;
  }

  @Override
  public void close() {
    onLoop(() -> {
      closed = true;
      state = State.CLOSED;
      if (channel != null) {
        channel.writeAndFlush(Unpooled.copiedBuffer("</stream:stream>", StandardCharsets.UTF_8));
        channel.close();
      }
    });
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private void onLoop(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("component connection closed; dropping a task");
    }
  }

  // ---- event loop

  private void connect() {
    if (closed) {
      return;
    }
    state = State.CONNECTING;
    connectAttempts.incrementAndGet();
    new Bootstrap()
        .group(loop)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(
                new IdleStateHandler(0, settings.keepalive().toSeconds(), 0, TimeUnit.SECONDS),
                new XmlStreamSplitter(settings.maxStanzaBytes()),
                new StreamHandler());
          }
        })
        .connect(settings.host(), settings.port())
        .addListener(f -> {
          if (!f.isSuccess()) {
            log.warn("Cannot connect to the XMPP server at {}:{} as component {}: {}", settings.host(),
                settings.port(), settings.domain(), f.cause().toString());
            scheduleReconnect();
          }
        });
  }

  private void scheduleReconnect() {
    if (closed) {
      return;
    }
    long delayMs;
    if (refused) {
      state = State.REFUSED;
      delayMs = jitter(settings.refusedBackoff().toMillis());
    } else {
      state = State.DISCONNECTED;
      long base = settings.reconnectMin().toMillis() << Math.min(failures, 20);
      delayMs = jitter(Math.min(base, settings.reconnectMax().toMillis()));
    }
    failures++;
    log.info("Reconnecting component {} in {} ms", settings.domain(), delayMs);
    loop.schedule(this::connect, delayMs, TimeUnit.MILLISECONDS);
  }

  /** Between half and all of {@code ms}, so many bridges (or restarts) do not reconnect in step. */
  private long jitter(long ms) {
    return ms / 2 + (long) (random.nextDouble() * (ms - ms / 2));
  }

  private void writeOrBuffer(String xml) {
    if (ready && channel != null && channel.isActive()) {
      channel.writeAndFlush(Unpooled.copiedBuffer(xml, StandardCharsets.UTF_8));
      return;
    }
    if (buffer.size() >= settings.maxBuffered()) {
      buffer.pollFirst();
      if (!overflowWarned) {
        overflowWarned = true;
        log.warn("Component {} is disconnected and {} stanzas are waiting; dropping the oldest",
            settings.domain(), settings.maxBuffered());
      }
    }
    buffer.addLast(xml);
  }

  private void onReady(Channel ch) {
    ready = true;
    refused = false;
    failures = 0;
    overflowWarned = false;
    state = State.READY;
    log.info("Component {} connected to {}:{}{}", settings.domain(), settings.host(), settings.port(),
        buffer.isEmpty() ? "" : "; sending " + buffer.size() + " waiting stanzas");
    while (!buffer.isEmpty()) {
      ch.write(Unpooled.copiedBuffer(buffer.pollFirst(), StandardCharsets.UTF_8));
    }
    ch.flush();
    callbacks.execute(() -> {
      nextReady.getAndSet(new CompletableFuture<>()).complete(null);
      listener.onReady();
    });
  }

  private void onClosed(Channel ch) {
    if (ch != channel) {
      return;
    }
    channel = null;
    boolean wasReady = ready;
    ready = false;
    if (!pending.isEmpty()) {
      Map<String, PendingIq> lost = new HashMap<>(pending);
      pending.clear();
      callbacks.execute(() -> lost.forEach((id, p) -> p.future().completeExceptionally(
          new DisconnectedException("stream closed before IQ " + id + " was answered"))));
    }
    if (wasReady && !closed) {
      log.warn("Component {} lost its stream to {}:{}", settings.domain(), settings.host(), settings.port());
      callbacks.execute(listener::onDisconnected);
    }
    if (closed) {
      state = State.CLOSED;
      return;
    }
    scheduleReconnect();
  }

  private void onStanza(Stanza stanza) {
    if (stanza instanceof IQ iq && (iq.getType() == IQ.Type.result || iq.getType() == IQ.Type.error)) {
      PendingIq p = pending.get(iq.getStanzaId());
      // RFC 6120 § 8.1.2.1: the answer comes from whom we asked; an id alone could be guessed by anyone.
      if (p != null && (p.to() == null || p.to().equals(iq.getFrom()))) {
        pending.remove(iq.getStanzaId());
        callbacks.execute(() -> p.future().complete(iq));
        return;
      }
    }
    Jid to = stanza.getTo();
    if (to == null || !to.getDomain().toString().equals(settings.domain())) {
      log.warn("Dropping a {} addressed to {}, outside component domain {}", stanza.getClass().getSimpleName(),
          to, settings.domain());
      return;
    }
    callbacks.execute(() -> listener.onStanza(stanza));
  }

  /** The per-connection stream state machine: open, handshake, then stanzas. */
  private final class StreamHandler extends ChannelInboundHandlerAdapter {
    private boolean handshakeSent;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (closed) {
        ctx.close();
        return;
      }
      channel = ctx.channel();
      // The domain is validated at config time; it goes in an attribute, so keep it free of quotes anyway.
      ctx.writeAndFlush(Unpooled.copiedBuffer("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept'"
          + " xmlns:stream='" + STREAMS_NS + "' to='" + settings.domain().replace("'", "") + "'>",
          StandardCharsets.UTF_8));
      // A server (or a proxy in front of it) that accepts the connection but never answers would otherwise hold
      // us here forever, with no reconnect: give up on this connection and back off as after any failure.
      Channel ch = ctx.channel();
      long limitMs = Math.max(HANDSHAKE_TIMEOUT_FLOOR_MS, settings.iqTimeout().toMillis());
      ctx.executor().schedule(() -> {
        if (ch == channel && !ready && ch.isActive()) {
          log.warn("Component {}: no handshake with {}:{} within {} ms; reconnecting", settings.domain(),
              settings.host(), settings.port(), limitMs);
          ch.close();
        }
      }, limitMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof StreamEvent event)) {
        ctx.fireChannelRead(msg);
        return;
      }
      if (event instanceof StreamEvent.Opened opened) {
        String id = opened.attributes().get("id");
        if (id == null) {
          log.warn("The XMPP server opened the stream without an id; cannot hand-shake as {}", settings.domain());
          ctx.close();
          return;
        }
        handshakeSent = true;
        ctx.writeAndFlush(Unpooled.copiedBuffer("<handshake>" + Handshake.digest(id, settings.secret())
            + "</handshake>", StandardCharsets.UTF_8));
      } else if (event instanceof StreamEvent.Element element) {
        onElement(ctx, element.xml());
      } else {
        log.info("The XMPP server closed the stream of component {}", settings.domain());
        ctx.close();
      }
    }

    private void onElement(ChannelHandlerContext ctx, String xml) {
      if (StreamError.isStreamError(xml)) {
        StreamError error = StreamError.parse(xml);
        if (error.refusesUs()) {
          refused = true;
          log.error("The XMPP server refused component {}: {}; retrying only every {}", settings.domain(),
              error.explain(), settings.refusedBackoff());
        } else {
          log.warn("Stream error from the XMPP server for component {}: {}", settings.domain(), error.explain());
        }
        ctx.close();
        return;
      }
      if (!ready) {
        if (handshakeSent && xml.startsWith("<handshake")) {
          onReady(ctx.channel());
        } else {
          log.warn("Unexpected element before the handshake completed: {}", abbreviate(xml));
        }
        return;
      }
      Stanza stanza;
      try {
        stanza = StanzaCodec.parse(xml);
      } catch (StanzaCodec.MalformedStanzaException e) {
        // One bad stanza must not cost everyone the stream: log it and go on.
        log.warn("Dropping a stanza we cannot read ({}): {}", e.getMessage(), abbreviate(xml));
        return;
      }
      onStanza(stanza);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.WRITER_IDLE && ready) {
        // RFC 6120 § 4.6.1: whitespace keeps the stream (and any NAT on the way) alive.
        ctx.writeAndFlush(Unpooled.copiedBuffer(" ", StandardCharsets.UTF_8));
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      onClosed(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.warn("Component {} stream failed: {}", settings.domain(), cause.toString());
      ctx.close();
    }
  }

  private static String abbreviate(String xml) {
    return xml.length() <= 300 ? xml : xml.substring(0, 300) + "...";
  }
}
