package dev.switchboard.core.media;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches files from the homeserver's content repository as the bridge: the authenticated API of Matrix 1.11
 * ({@code /_matrix/client/v1/media/...}) with the as_token, which application services may use; on a homeserver that
 * does not know that API yet (it answers {@code M_UNRECOGNIZED}), the unauthenticated {@code /_matrix/media/v3/...}
 * path, remembered until the bridge restarts. Bodies are not read here: the caller streams them.
 */
final class HomeserverMedia {
  private static final Logger log = LoggerFactory.getLogger(HomeserverMedia.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final String asToken;
  private final HttpClient client;
  private final Duration timeout;
  private final AtomicBoolean v1Missing = new AtomicBoolean();

  HomeserverMedia(URI homeserverUrl, String asToken, Duration timeout) {
    String url = homeserverUrl.toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.asToken = asToken;
    this.timeout = timeout;
    // HTTP/1.1: no h2c upgrade dance with homeservers and proxies that half support it. No redirects: the token
    // would follow them to wherever they point.
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** What to fetch: the file, or its thumbnail when the width and height are given (else null); maybe a range. */
  record Wanted(MediaTarget target, String thumbnailWidth, String thumbnailHeight, Optional<ByteRange> range) {}

  /** What the homeserver answered. */
  sealed interface Answer {
    /** 200 or 206: headers now, the body as it arrives (subscribe once, or cancel). */
    record Body(int status, HttpHeaders headers, Flow.Publisher<List<ByteBuffer>> body) implements Answer {}

    /** Anything else, its (small) body read. */
    record Failed(int status, String errcode, HttpHeaders headers) implements Answer {}
  }

  CompletableFuture<Answer> fetch(Wanted wanted) {
    if (v1Missing.get()) {
      return send(wanted, false);
    }
    return send(wanted, true).thenCompose(answer -> {
      if (answer instanceof Answer.Failed f && unrecognized(f)) {
        if (v1Missing.compareAndSet(false, true)) {
          log.info("The homeserver does not serve authenticated media (Matrix 1.11, /_matrix/client/v1/media); the "
              + "media endpoint uses /_matrix/media/v3 until restarted");
        }
        return send(wanted, false);
      }
      return CompletableFuture.completedFuture(answer);
    });
  }

  /** Synapse before 1.11 support: 404 or 400 {@code M_UNRECOGNIZED}; a proxy in front may say 404 or 405 bare. */
  private static boolean unrecognized(Answer.Failed f) {
    boolean plain = f.errcode() == null && (f.status() == 404 || f.status() == 405);
    return plain || "M_UNRECOGNIZED".equals(f.errcode()) && (f.status() == 404 || f.status() == 400
        || f.status() == 405);
  }

  private CompletableFuture<Answer> send(Wanted wanted, boolean v1) {
    MediaTarget t = wanted.target();
    String prefix = v1 ? "/_matrix/client/v1/media/" : "/_matrix/media/v3/";
    String path = wanted.thumbnailWidth() == null
        ? prefix + "download/" + t.server() + "/" + t.mediaId()
        : prefix + "thumbnail/" + t.server() + "/" + t.mediaId() + "?width=" + wanted.thumbnailWidth() + "&height="
            + wanted.thumbnailHeight() + "&method=scale";
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
        .header("Authorization", "Bearer " + asToken).GET();
    wanted.range().ifPresent(r -> request.header("Range", r.header()));
    return client.sendAsync(request.build(), info -> {
      int status = info.statusCode();
      if (status == 200 || status == 206) {
        return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofPublisher(),
            body -> (Answer) new Answer.Body(status, info.headers(), body));
      }
      return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArray(),
          bytes -> (Answer) new Answer.Failed(status, errcode(bytes), info.headers()));
    }).thenApply(HttpResponse::body);
  }

  private static String errcode(byte[] body) {
    try {
      var node = JSON.readTree(body);
      return node != null && node.path("errcode").isTextual() ? node.path("errcode").asText() : null;
    } catch (IOException e) {
      return null;
    }
  }
}
