package dev.switchboard.core.media;

import dev.switchboard.core.failure.ThrottledWarning;
import dev.switchboard.core.http.HttpAnswer;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code GET} and {@code HEAD /media/<signed id>/<file name>[?thumbnail=WxH]} on one connection: checks the
 * id, then relays the homeserver's answer as it arrives ({@link BodyRelay}), with the headers of
 * {@link MediaHeaders}. A range the homeserver does not serve itself is cut from its whole-file answer. The probe
 * target is answered here, without the homeserver.
 */
final class MediaRequests extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(MediaRequests.class);
  private static final ThrottledWarning homeserverTrouble = new ThrottledWarning(log, Duration.ofMinutes(1));
  private static final Pattern SIZE = Pattern.compile("([0-9]{1,4})x([0-9]{1,4})");
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes ([0-9]+)-([0-9]+)/([0-9]+)");
  static final byte[] PROBE_BODY = MediaEndpoint.PROBE_TEXT.getBytes(StandardCharsets.UTF_8);

  private final LinkSigner signer;
  private final HomeserverMedia homeserver;
  private final Semaphore slots;
  private final long maxBytes;
  private final Clock clock;
  private final Duration stall;
  private BodyRelay relay;

  /** {@code stall}: a download that moves nothing for this long is ended ({@code idle_timeout_seconds}). */
  MediaRequests(LinkSigner signer, HomeserverMedia homeserver, Semaphore slots, long maxBytes, Clock clock,
      Duration stall) {
    this.stall = stall;
    this.signer = signer;
    this.homeserver = homeserver;
    this.slots = slots;
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  /** One request, as read from its head. */
  private record Asked(boolean head, boolean keepAlive, MediaTarget target, Instant expiry, String fileName,
      String width, String height, Optional<ByteRange> range, String etag) {}

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    boolean head = request.method().equals(HttpMethod.HEAD);
    if (!head && !request.method().equals(HttpMethod.GET)) {
      error(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, "Only GET and HEAD.",
          h -> h.set(HttpHeaderNames.ALLOW, "GET, HEAD"));
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String[] parts = uri.rawPath().split("/", -1);
    if (parts.length != 4 || !parts[0].isEmpty() || !parts[1].equals("media") || parts[2].isEmpty()
        || parts[3].isEmpty()) {
      error(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "Not found: media links look like /media/<id>/<name>.");
      return;
    }
    LinkSigner.Verdict verdict = signer.verify(parts[2]);
    if (verdict instanceof LinkSigner.Verdict.Expired) {
      error(ctx, keepAlive, HttpResponseStatus.FORBIDDEN, "This link has expired; ask for the file again.");
      return;
    }
    if (!(verdict instanceof LinkSigner.Verdict.Valid valid)) {
      error(ctx, keepAlive, HttpResponseStatus.FORBIDDEN, "This link is not valid.");
      return;
    }
    String width = null;
    String height = null;
    List<String> thumbnail = uri.parameters().get("thumbnail");
    if (thumbnail != null) {
      Matcher m = SIZE.matcher(thumbnail.get(0));
      if (!m.matches() || !side(m.group(1)) || !side(m.group(2))) {
        error(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, "thumbnail must be WxH, each from 1 to "
            + SignedMediaLinks.MAX_THUMBNAIL_SIDE + ".");
        return;
      }
      width = Integer.toString(Integer.parseInt(m.group(1)));
      height = Integer.toString(Integer.parseInt(m.group(2)));
    }
    String etag = MediaHeaders.etag(valid.target(), width == null ? "" : width + "x" + height);
    Asked asked = new Asked(head, keepAlive, valid.target(), valid.expiry(),
        QueryStringDecoder.decodeComponent(parts[3], StandardCharsets.UTF_8), width, height,
        ByteRange.parse(request.headers().get(HttpHeaderNames.RANGE)), etag);
    if (etag.equals(request.headers().get(HttpHeaderNames.IF_NONE_MATCH))) {
      HttpResponse notModified = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED);
      fileHeaders(notModified.headers(), asked);
      HttpUtil.setKeepAlive(notModified, keepAlive);
      ctx.writeAndFlush(notModified);
      return;
    }
    if (asked.target().isProbe()) {
      probe(ctx, asked);
      return;
    }
    if (!slots.tryAcquire()) {
      error(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, "The bridge is serving as many files as it may; "
          + "try again in a moment.", h -> h.set(HttpHeaderNames.RETRY_AFTER, "10"));
      return;
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        slots.release();
      }
    };
    homeserver.fetch(new HomeserverMedia.Wanted(asked.target(), width, height, asked.range()))
        .whenComplete((answer, failure) -> ctx.executor().execute(() -> answer(ctx, asked, answer, failure, release)));
  }

  private void answer(ChannelHandlerContext ctx, Asked asked, HomeserverMedia.Answer answer, Throwable failure,
      Runnable release) {
    if (failure != null) {
      release.run();
      homeserverTrouble.warn("Media endpoint: cannot reach the homeserver for {}: {}", asked.target(),
          failure.toString());
      error(ctx, asked.keepAlive(), HttpResponseStatus.BAD_GATEWAY, "The homeserver cannot be reached.");
      return;
    }
    if (answer instanceof HomeserverMedia.Answer.Failed failed) {
      release.run();
      refused(ctx, asked, failed);
      return;
    }
    HomeserverMedia.Answer.Body body = (HomeserverMedia.Answer.Body) answer;
    if (!ctx.channel().isActive()) {
      discard(body.body(), release);
      return;
    }
    OptionalLong announced = body.headers().firstValueAsLong("Content-Length");
    long length = announced.orElse(-1);
    long total = length;
    HttpResponseStatus status = HttpResponseStatus.OK;
    String contentRange = null;
    long skip = 0;
    long limit = Long.MAX_VALUE;
    if (body.status() == 206) {
      Matcher m = CONTENT_RANGE.matcher(body.headers().firstValue("Content-Range").orElse(""));
      if (!m.matches()) {
        discard(body.body(), release);
        error(ctx, asked.keepAlive(), HttpResponseStatus.BAD_GATEWAY, "The homeserver's partial answer was garbled.");
        return;
      }
      status = HttpResponseStatus.PARTIAL_CONTENT;
      contentRange = m.group(0);
      total = Long.parseLong(m.group(3));
      length = Long.parseLong(m.group(2)) - Long.parseLong(m.group(1)) + 1;
    }
    if (total > maxBytes) {
      discard(body.body(), release);
      error(ctx, asked.keepAlive(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "This file is larger than the "
          + "bridge serves (" + maxBytes + " bytes).");
      return;
    }
    if (body.status() == 200 && asked.range().isPresent() && length >= 0) {
      Optional<long[]> within = asked.range().get().within(length);
      if (within.isEmpty()) {
        discard(body.body(), release);
        long whole = length;
        error(ctx, asked.keepAlive(), HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "Range not satisfiable.",
            h -> h.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + whole));
        return;
      }
      status = HttpResponseStatus.PARTIAL_CONTENT;
      skip = within.get()[0];
      limit = within.get()[1] - skip + 1;
      contentRange = "bytes " + skip + "-" + within.get()[1] + "/" + length;
      length = limit;
    }
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    HttpHeaders h = response.headers();
    String type = MediaHeaders.contentType(body.headers().firstValue("Content-Type").orElse(null));
    h.set(HttpHeaderNames.CONTENT_TYPE, type);
    h.set(HttpHeaderNames.CONTENT_DISPOSITION, MediaHeaders.disposition(type, asked.fileName()));
    fileHeaders(h, asked);
    if (contentRange != null) {
      h.set(HttpHeaderNames.CONTENT_RANGE, contentRange);
    }
    if (length >= 0) {
      HttpUtil.setContentLength(response, length);
    } else {
      HttpUtil.setTransferEncodingChunked(response, true);
    }
    HttpUtil.setKeepAlive(response, asked.keepAlive());
    ctx.write(response);
    if (asked.head()) {
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      discard(body.body(), release);
      return;
    }
    long cap = length >= 0 ? Long.MAX_VALUE : maxBytes; // an announced length was checked above
    relay = new BodyRelay(ctx.channel(), skip, limit, length, cap, stall, () -> {
      relay = null;
      release.run();
    });
    ctx.flush();
    body.body().subscribe(relay);
  }

  private void refused(ChannelHandlerContext ctx, Asked asked, HomeserverMedia.Answer.Failed failed) {
    if (failed.status() == 404) {
      error(ctx, asked.keepAlive(), HttpResponseStatus.NOT_FOUND, "The homeserver has no such file (any more).");
    } else if (failed.status() == 416) {
      String range = failed.headers().firstValue("Content-Range").orElse(null);
      error(ctx, asked.keepAlive(), HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "Range not satisfiable.",
          h -> {
            if (range != null) {
              h.set(HttpHeaderNames.CONTENT_RANGE, range);
            }
          });
    } else {
      homeserverTrouble.warn("Media endpoint: the homeserver answered {} {} for {}", failed.status(),
          failed.errcode() == null ? "" : failed.errcode(), asked.target());
      error(ctx, asked.keepAlive(), HttpResponseStatus.BAD_GATEWAY, "The homeserver refused the file ("
          + failed.status() + ").");
    }
  }

  /** The probe's fixed text, with ranges served as for a file, so a proxy that drops Range shows. */
  private void probe(ChannelHandlerContext ctx, Asked asked) {
    HttpResponseStatus status = HttpResponseStatus.OK;
    int from = 0;
    int to = PROBE_BODY.length - 1;
    if (asked.range().isPresent()) {
      Optional<long[]> within = asked.range().get().within(PROBE_BODY.length);
      if (within.isEmpty()) {
        error(ctx, asked.keepAlive(), HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "Range not satisfiable.",
            h -> h.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + PROBE_BODY.length));
        return;
      }
      status = HttpResponseStatus.PARTIAL_CONTENT;
      from = (int) within.get()[0];
      to = (int) within.get()[1];
    }
    var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        asked.head() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(PROBE_BODY, from, to - from + 1));
    HttpHeaders h = response.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    h.set(HttpHeaderNames.CONTENT_DISPOSITION, MediaHeaders.disposition("text/plain", asked.fileName()));
    fileHeaders(h, asked);
    if (status == HttpResponseStatus.PARTIAL_CONTENT) {
      h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + from + "-" + to + "/" + PROBE_BODY.length);
    }
    HttpUtil.setContentLength(response, to - from + 1);
    HttpUtil.setKeepAlive(response, asked.keepAlive());
    ctx.writeAndFlush(response);
  }

  private void fileHeaders(HttpHeaders h, Asked asked) {
    MediaHeaders.protect(h);
    MediaHeaders.cacheable(h, Duration.between(clock.instant(), asked.expiry()), asked.etag());
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
  }

  private static boolean side(String digits) {
    int n = Integer.parseInt(digits);
    return n >= 1 && n <= SignedMediaLinks.MAX_THUMBNAIL_SIDE;
  }

  /** Lets go of a body nobody will read, so its connection to the homeserver closes. */
  private static void discard(Flow.Publisher<List<ByteBuffer>> body, Runnable release) {
    body.subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        s.cancel();
      }

      @Override
      public void onNext(List<ByteBuffer> item) {}

      @Override
      public void onError(Throwable throwable) {}

      @Override
      public void onComplete() {}
    });
    release.run();
  }

  private static void error(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String text) {
    error(ctx, keepAlive, status, text, h -> { });
  }

  private static void error(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String text,
      Consumer<HttpHeaders> extra) {
    HttpAnswer.text(status, text + "\n").writeTo(ctx, keepAlive, h -> {
      MediaHeaders.protect(h);
      MediaHeaders.uncacheable(h);
      extra.accept(h);
    });
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (relay != null) {
      relay.writable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (relay != null) {
      relay.cancel();
    }
    ctx.fireChannelInactive();
  }
}
