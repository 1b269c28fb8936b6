package dev.switchboard.sip.media;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of rtpengine's {@code ng} control protocol: each request is {@code <cookie> <bencoded dictionary>} in one
 * UDP datagram and the reply carries the same cookie. A request without a reply is sent again with the same cookie,
 * so rtpengine (which caches replies by cookie) never runs a command twice.
 *
 * <p>Futures complete on the client's receive thread: callers continue on their own executors.
 */
public final class NgClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NgClient.class);
  /** rtpengine's replies carry whole SDPs and call statistics; 64 KiB is the UDP maximum anyway. */
  private static final int MAX_DATAGRAM = 65_535;

  /** Where rtpengine listens and how patient to be. */
  public record Settings(InetSocketAddress address, Duration timeout, int attempts) {
    public Settings {
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be at least 1");
      }
    }
  }

  private final Settings settings;
  private final ScheduledExecutorService scheduler;
  private final DatagramChannel channel;
  private final String cookiePrefix;
  private final AtomicLong counter = new AtomicLong();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final Thread receiver;
  private volatile boolean closed;

  private static final class Pending {
    final CompletableFuture<Bencoded.Dict> result = new CompletableFuture<>();
    final byte[] datagram;
    final String command;
    volatile ScheduledFuture<?> retry;
    int attempt;

    Pending(byte[] datagram, String command) {
      this.datagram = datagram;
      this.command = command;
    }
  }

  public NgClient(Settings settings, ScheduledExecutorService scheduler, RandomGenerator random) throws IOException {
    this.settings = settings;
    this.scheduler = scheduler;
    byte[] prefix = new byte[4];
    random.nextBytes(prefix);
    this.cookiePrefix = HexFormat.of().formatHex(prefix);
    this.channel = DatagramChannel.open();
    channel.bind(new InetSocketAddress(settings.address().getAddress(), 0));
    this.receiver = new Thread(this::receiveLoop, "rtpengine-ng-" + settings.address().getPort());
    receiver.setDaemon(true);
    receiver.start();
  }

  /** {@code ping}: completes when rtpengine answers {@code pong}. */
  public CompletableFuture<Void> ping() {
    return call(command("ping", Map.of())).thenApply(reply -> {
      if (!reply.text("result").orElse("").equals("pong")) {
        throw new NgException("ping answered " + reply);
      }
      return null;
    });
  }

  /** {@code offer}: the SDP that the receiving side gets instead of {@code sdp}. */
  public CompletableFuture<String> offer(String callId, String fromTag, String sdp, MediaFlags flags) {
    return sdpCommand("offer", callId, fromTag, null, sdp, flags);
  }

  /**
   * {@code offer} in a call that is up (a re-INVITE or {@code m.call.negotiate}): {@code fromTag} is the side
   * offering now, {@code toTag} the other, so rtpengine updates the existing monologues instead of adding a branch.
   */
  public CompletableFuture<String> reoffer(String callId, String fromTag, String toTag, String sdp,
      MediaFlags flags) {
    return sdpCommand("offer", callId, fromTag, toTag, sdp, flags);
  }

  /** {@code answer}: {@code fromTag} is the offerer's tag, {@code toTag} the answerer's. */
  public CompletableFuture<String> answer(String callId, String fromTag, String toTag, String sdp,
      MediaFlags flags) {
    return sdpCommand("answer", callId, fromTag, toTag, sdp, flags);
  }

  /** An SDP-rewriting command: the flags, then the call, its tags ({@code toTag} may be null) and the SDP. */
  private CompletableFuture<String> sdpCommand(String name, String callId, String fromTag, String toTag, String sdp,
      MediaFlags flags) {
    Map<String, Bencoded> args = new LinkedHashMap<>(flags.options());
    args.put("call-id", Bencoded.of(callId));
    args.put("from-tag", Bencoded.of(fromTag));
    if (toTag != null) {
      args.put("to-tag", Bencoded.of(toTag));
    }
    args.put("sdp", Bencoded.of(sdp));
    return call(command(name, args)).thenApply(NgClient::sdpOf);
  }

  /**
   * Trickle ICE: an {@code offer} with the {@code fragment} flag whose SDP is only {@code a=ice-ufrag},
   * {@code a=ice-pwd} and, per media section, its {@code m=} line, {@code a=mid} and new {@code a=candidate} lines.
   * {@code tag} is the tag of the side the candidates come from. rtpengine adds them to that side's ICE agent (or
   * queues them until the call exists); a fragment for an unknown {@code mid} is logged by rtpengine and dropped.
   */
  public CompletableFuture<Void> trickle(String callId, String tag, String fragment) {
    Map<String, Bencoded> args = new LinkedHashMap<>();
    args.put("call-id", Bencoded.of(callId));
    args.put("from-tag", Bencoded.of(tag));
    args.put("sdp", Bencoded.of(fragment));
    args.put("flags", Bencoded.list("fragment"));
    return call(command("offer", args)).thenApply(reply -> null);
  }

  /**
   * {@code play DTMF}: injects one DTMF event ({@code 0-9 * # A-D}) into the media that the party with
   * {@code fromTag} sends, as if it had sent it (RFC 4733 where the other side negotiated telephone-event, else
   * tones). Works on calls rtpengine transcodes.
   */
  public CompletableFuture<Void> playDtmf(String callId, String fromTag, char code, int durationMs) {
    Map<String, Bencoded> args = new LinkedHashMap<>();
    args.put("call-id", Bencoded.of(callId));
    args.put("from-tag", Bencoded.of(fromTag));
    args.put("code", Bencoded.of(String.valueOf(code)));
    args.put("duration", Bencoded.of(durationMs));
    return call(command("play DTMF", args)).thenApply(reply -> null);
  }

  /** {@code delete}: ends the call's media. Deleting an unknown call is not an error here: a repeat is harmless. */
  public CompletableFuture<Void> delete(String callId, String fromTag) {
    Map<String, Bencoded> args = new LinkedHashMap<>();
    args.put("call-id", Bencoded.of(callId));
    args.put("from-tag", Bencoded.of(fromTag));
    return call(command("delete", args)).handle((reply, err) -> {
      if (err != null && !(rootCause(err) instanceof NgException e && e.getMessage().contains("Unknown call-id"))) {
        throw new java.util.concurrent.CompletionException(rootCause(err));
      }
      return null;
    });
  }

  /** {@code query}: the call's tags, streams and packet counters; fails for an unknown call. */
  public CompletableFuture<Bencoded.Dict> query(String callId) {
    return call(command("query", Map.of("call-id", Bencoded.of(callId))));
  }

  private static Bencoded.Dict command(String name, Map<String, Bencoded> args) {
    Map<String, Bencoded> m = new LinkedHashMap<>(args);
    m.put("command", Bencoded.of(name));
    return new Bencoded.Dict(m);
  }

  private static String sdpOf(Bencoded.Dict reply) {
    return reply.text("sdp").orElseThrow(() -> new NgException("reply without sdp: " + reply.entries().keySet()));
  }

  /** Sends a command; the reply if its {@code result} is not {@code error}. */
  public CompletableFuture<Bencoded.Dict> call(Bencoded.Dict command) {
    if (closed) {
      return CompletableFuture.failedFuture(new NgException("rtpengine client closed"));
    }
    String cookie = cookiePrefix + "_" + counter.incrementAndGet();
    byte[] body = Bencode.encode(command);
    byte[] datagram = new byte[cookie.length() + 1 + body.length];
    System.arraycopy(cookie.getBytes(StandardCharsets.US_ASCII), 0, datagram, 0, cookie.length());
    datagram[cookie.length()] = ' ';
    System.arraycopy(body, 0, datagram, cookie.length() + 1, body.length);
    Pending p = new Pending(datagram, command.text("command").orElse("?"));
    pending.put(cookie, p);
    p.result.whenComplete((r, e) -> {
      pending.remove(cookie);
      ScheduledFuture<?> retry = p.retry;
      if (retry != null) {
        retry.cancel(false);
      }
    });
    send(cookie, p);
    return p.result;
  }

  private void send(String cookie, Pending p) {
    if (p.result.isDone()) {
      return;
    }
    if (p.attempt >= settings.attempts()) {
      p.result.completeExceptionally(new NgException("rtpengine at " + settings.address() + " did not answer '"
          + p.command + "' after " + p.attempt + " attempt(s) of " + settings.timeout().toMillis() + " ms"));
      return;
    }
    p.attempt++;
    try {
      channel.send(ByteBuffer.wrap(p.datagram), settings.address());
    } catch (IOException e) {
      log.debug("sending '{}' to rtpengine failed: {}", p.command, e.toString());
    }
    p.retry = scheduler.schedule(() -> send(cookie, p), settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void receiveLoop() {
    ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM);
    while (!closed) {
      try {
        buffer.clear();
        SocketAddress from = channel.receive(buffer);
        if (from == null) {
          continue;
        }
        buffer.flip();
        handle(buffer.array(), buffer.limit());
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          log.warn("reading a reply from rtpengine failed: {}", e.toString());
        }
      }
    }
  }

  private void handle(byte[] data, int length) {
    int space = -1;
    for (int i = 0; i < length; i++) {
      if (data[i] == ' ') {
        space = i;
        break;
      }
    }
    if (space < 0) {
      log.warn("reply from rtpengine without a cookie ignored");
      return;
    }
    String cookie = new String(data, 0, space, StandardCharsets.US_ASCII);
    Pending p = pending.get(cookie);
    if (p == null) {
      log.debug("late or repeated rtpengine reply for cookie {} ignored", cookie);
      return;
    }
    Bencoded reply;
    try {
      reply = Bencode.decode(data, space + 1, length - space - 1);
    } catch (IllegalArgumentException e) {
      p.result.completeExceptionally(new NgException("malformed reply to '" + p.command + "': " + e.getMessage()));
      return;
    }
    if (!(reply instanceof Bencoded.Dict dict)) {
      p.result.completeExceptionally(new NgException("reply to '" + p.command + "' is not a dictionary"));
      return;
    }
    Optional<String> result = dict.text("result");
    if (result.isEmpty() || result.get().equals("error")) {
      p.result.completeExceptionally(new NgException("rtpengine refused '" + p.command + "': "
          + dict.text("error-reason").orElse("no reason given")));
      return;
    }
    dict.text("warning").ifPresent(w -> log.warn("rtpengine warns about '{}': {}", p.command, w));
    p.result.complete(dict);
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  @Override
  public void close() {
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing the rtpengine socket: {}", e.toString());
    }
    pending.values().forEach(p -> p.result.completeExceptionally(new NgException("rtpengine client closed")));
  }
}
