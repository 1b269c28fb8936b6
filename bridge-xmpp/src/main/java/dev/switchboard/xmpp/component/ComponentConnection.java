package dev.switchboard.xmpp.component;

import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.core.connector.RemoteUnavailableException;
import dev.switchboard.core.notice.NoticeThrottle;
import dev.switchboard.xmpp.stanza.LogText;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Writing: every stanza is checked to parse as XML 1.0 before it goes out (one that does not is dropped and
 * logged, never the stream); the future of a write completes when Netty has written the stanza to the socket, not
 * when it was queued. The buffer for an outage is bounded and pushes back: beyond it a write fails with
 * {@link RemoteUnavailableException}, nothing queued is ever dropped to make room.
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

    /**
     * A look at the start tag of a top-level element (from {@code <} to {@code >}, as it arrived) before the rest of
     * it is read, on the event loop (must be cheap, must not block): true drops the element unread, for elements no
     * part reads (a MUC's copies for our users' occupants). Asked only once the handshake is done.
     */
    default boolean skipsUnparsed(String startTag) {
      return false;
    }
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

  /** A serialised stanza and the future that completes once it is written to the socket. */
  private record Outgoing(String xml, CompletableFuture<Void> written) {}

  private final ComponentSettings settings;
  private final Listener listener;
  private final Executor callbacks;
  /** Where write futures complete: never the event loop, whatever their dependents do next. */
  private final Executor completions;
  private final Random random;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final AtomicInteger connectAttempts = new AtomicInteger();
  private final AtomicLong malformedDropped = new AtomicLong();
  /** One key: the first malformed stanza is logged, then at most one a minute. */
  private final NoticeThrottle malformedLog = new NoticeThrottle(Duration.ofMinutes(1), 1, Clock.systemUTC());

  // Event loop state.
  private Channel channel;
  private boolean ready;
  private boolean closed;
  private boolean refused;
  private int failures;
  private boolean overflowWarned;
  private final ArrayDeque<Outgoing> buffer = new ArrayDeque<>();
  private final Map<String, PendingIq> pending = new HashMap<>();
  private volatile State state = State.DISCONNECTED;
  private static final long HANDSHAKE_TIMEOUT_FLOOR_MS = 10_000;
  /** Completes at the next handshake (after the listener's state is reset: on the callback executor). */
  private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<Void>> nextReady =
      new java.util.concurrent.atomic.AtomicReference<>(new CompletableFuture<>());

  public ComponentConnection(ComponentSettings settings, Listener listener, Executor callbackPool, Random random) {
    this.settings = Objects.requireNonNull(settings);
    this.listener = Objects.requireNonNull(listener);
    this.callbacks = new KeyedSerialExecutor<String>(callbackPool, "xmpp stream callbacks").lane("stream");
    this.completions = callbackPool;
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
   * Completes when the stream is up: at once when it is, else at the next successful handshake (fails with
   * RemoteUnavailableException once closed).
   * For work that must wait out an outage instead of failing, e.g. a MUC join that the lost stream cancelled.
   */
  public CompletableFuture<Void> whenReady() {
    CompletableFuture<Void> next = nextReady.get();
    return state == State.READY ? CompletableFuture.completedFuture(null) : next;
  }

  /**
   * Sends the stanza now, or as soon as the stream is back. The future completes when it is written to the socket;
   * it fails with {@link RemoteUnavailableException} when the outage buffer is full or the stream is lost before the
   * write, and completes at once for a stanza dropped because it would not parse (logged).
   */
  public CompletableFuture<Void> send(Stanza stanza) {
    return enqueue(stanza, true);
  }

  /**
   * Sends the stanza now for a Matrix event, whose future is its delivery: while the stream is down it fails at
   * once with {@link RemoteUnavailableException}, so the dispatcher holds the event and tries again after the outage
   * (a buffered copy would be sent as well as the retry). Completes when the stanza is written to the socket.
   */
  public CompletableFuture<Void> deliver(Stanza stanza) {
    return enqueue(stanza, false);
  }

  private CompletableFuture<Void> enqueue(Stanza stanza, boolean waitOutOutage) {
    CompletableFuture<Void> written = new CompletableFuture<>();
    String xml = StanzaCodec.toXml(stanza);
    Optional<String> error = StanzaCodec.wellFormednessError(xml);
    if (error.isPresent()) {
      malformed(stanza, error.get());
      written.complete(null); // nothing could ever send it: done, and the stream stays up for everyone else
      return written;
    }
    Outgoing out = new Outgoing(xml, written);
    onLoop(() -> writeOrBuffer(out, waitOutOutage), written);
    return written;
  }

  /** Logs a stanza that would not parse: the first one, then at most one line a minute with a count. */
  private void malformed(Stanza stanza, String error) {
    long dropped = malformedDropped.incrementAndGet();
    if (malformedLog.allow("malformed")) {
      log.error("Component {}: not sending a {} to {} that is not well-formed XML ({}); {} dropped so far",
          settings.domain(), stanza.getClass().getSimpleName(), LogText.of(stanza.getTo()), LogText.of(error),
          dropped);
    }
  }

  /** How many stanzas were dropped because they would not parse. */
  public long malformedDropped() {
    return malformedDropped.get();
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
    Optional<String> error = StanzaCodec.wellFormednessError(xml);
    if (error.isPresent()) {
      malformed(iq, error.get());
      return CompletableFuture.failedFuture(new IllegalArgumentException("IQ " + id + " is not well-formed XML"));
    }
    CompletableFuture<Void> written = new CompletableFuture<>();
    written.whenComplete((v, err) -> {
      if (err != null) {
        future.completeExceptionally(new DisconnectedException("IQ " + id + " not sent: " + err.getMessage()));
      }
    });
    onLoop(() -> {
      pending.put(id, new PendingIq(future, iq.getTo()));
      loop.schedule(() -> {
        PendingIq p = pending.remove(id);
        if (p != null) {
          callbacks.execute(() -> p.future().completeExceptionally(
              new TimeoutException("no answer to IQ " + id + " to " + iq.getTo() + " within " + timeout)));
        }
      }, timeout.toMillis(), TimeUnit.MILLISECONDS);
      writeOrBuffer(new Outgoing(xml, written), true);
    });
    return future;
  }

  @Override
  public void close() {
    onLoop(() -> {
      closed = true;
      state = State.CLOSED;
      nextReady.get().completeExceptionally(new RemoteUnavailableException("the component is shutting down"));
      while (!buffer.isEmpty()) {
        fail(buffer.pollFirst(), "the component is shutting down");
      }
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

  private void onLoop(Runnable task, CompletableFuture<Void> written) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      written.completeExceptionally(new RemoteUnavailableException("the XMPP component is closed"));
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
                new XmlStreamSplitter(settings.maxStanzaBytes(), tag -> ready && listener.skipsUnparsed(tag)),
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

  private void writeOrBuffer(Outgoing out, boolean waitOutOutage) {
    if (ready && channel != null && channel.isActive()) {
      write(channel, out, true);
      return;
    }
    if (closed) {
      fail(out, "the component is shutting down");
    } else if (!waitOutOutage) {
      fail(out, "the stream to the XMPP server is down");
    } else if (buffer.size() >= settings.maxBuffered()) {
      // Push back rather than drop what is already waiting: the caller hears of it and may try again later.
      if (!overflowWarned) {
        overflowWarned = true;
        log.warn("Component {} is disconnected and {} stanzas are waiting; refusing more until it is back",
            settings.domain(), settings.maxBuffered());
      }
      fail(out, "the outage buffer of " + settings.maxBuffered() + " stanzas is full");
    } else {
      buffer.addLast(out);
    }
  }

  /** Writes on the event loop; the future completes (off the loop) when the bytes are on the socket. */
  private void write(Channel ch, Outgoing out, boolean flush) {
    io.netty.buffer.ByteBuf bytes = Unpooled.copiedBuffer(out.xml(), StandardCharsets.UTF_8);
    io.netty.channel.ChannelFuture f = flush ? ch.writeAndFlush(bytes) : ch.write(bytes);
    f.addListener(done -> {
      if (done.isSuccess()) {
        completions.execute(() -> out.written().complete(null));
      } else {
        completions.execute(() -> out.written().completeExceptionally(new RemoteUnavailableException(
            "the stream to the XMPP server was lost before the stanza was written", done.cause())));
      }
    });
  }

  private void fail(Outgoing out, String why) {
    RemoteUnavailableException e = new RemoteUnavailableException(why);
    try {
      completions.execute(() -> out.written().completeExceptionally(e));
    } catch (RejectedExecutionException rejected) {
      out.written().completeExceptionally(e);
    }
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
      write(ch, buffer.pollFirst(), false);
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
          LogText.of(to), settings.domain());
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
              LogText.of(error.explain()), settings.refusedBackoff());
        } else {
          log.warn("Stream error from the XMPP server for component {}: {}", settings.domain(),
              LogText.of(error.explain()));
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
        log.warn("Dropping a stanza we cannot read ({}): {}", LogText.of(e.getMessage()), abbreviate(xml));
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
    return LogText.of(xml);
  }
}
