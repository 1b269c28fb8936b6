package dev.switchboard.core.media;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * The headers that make a file from a Matrix room safe to open in a browser on the bridge's origin, as Synapse sets
 * them: the type as the homeserver gave it but never sniffed, scripts sandboxed, and only types a browser shows
 * harmlessly opened inline; everything else is a download.
 */
final class MediaHeaders {
  /** Synapse's list of types it serves inline ({@code INLINE_CONTENT_TYPES}); no HTML, no SVG. */
  private static final Set<String> INLINE = Set.of("text/css", "text/plain", "text/csv", "application/json",
      "application/ld+json", "image/jpeg", "image/gif", "image/png", "image/apng", "image/webp", "image/avif",
      "video/mp4", "video/webm", "video/ogg", "video/quicktime", "audio/mp4", "audio/webm", "audio/aac", "audio/mpeg",
      "audio/ogg", "audio/wave", "audio/wav", "audio/x-wav", "audio/x-pn-wav", "audio/flac", "audio/x-flac");
  /** Even a link valid for 30 days is cached for a day at most: a rotated key should not live on in caches. */
  static final Duration MAX_CACHE = Duration.ofDays(1);

  private MediaHeaders() {}

  /** Sniffing off and scripts sandboxed, on every answer of the endpoint. */
  static void protect(HttpHeaders h) {
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Content-Security-Policy", "sandbox; default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; "
        + "media-src 'self'; object-src 'self'");
    h.set("Cross-Origin-Resource-Policy", "cross-origin");
  }

  /** The homeserver's type, with {@code charset=utf-8} added to text types that name none (as Synapse does). */
  static String contentType(String fromHomeserver) {
    if (fromHomeserver == null || fromHomeserver.isBlank()) {
      return "application/octet-stream";
    }
    String type = fromHomeserver.strip();
    if (type.toLowerCase(Locale.ROOT).startsWith("text/") && !type.toLowerCase(Locale.ROOT).contains("charset")) {
      return type + "; charset=utf-8";
    }
    return type;
  }

  /** {@code inline} for {@link #INLINE} types, else {@code attachment}; the name as RFC 6266 wants it. */
  static String disposition(String contentType, String fileName) {
    String bare = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    String kind = INLINE.contains(bare) ? "inline" : "attachment";
    StringBuilder ascii = new StringBuilder();
    for (char c : fileName.toCharArray()) {
      ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%' && c != '/' ? c : '_');
    }
    String encoded = URLEncoder.encode(fileName, StandardCharsets.UTF_8).replace("+", "%20");
    return kind + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
  }

  /** One file (or one size of thumbnail) has one tag, whichever link reached it: media never changes. */
  static String etag(MediaTarget target, String thumbnail) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest((target + "#" + thumbnail)
          .getBytes(StandardCharsets.UTF_8));
      return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Public caching until the link expires, at most {@link #MAX_CACHE}. */
  static void cacheable(HttpHeaders h, Duration untilExpiry, String etag) {
    long seconds = Math.max(0, Math.min(untilExpiry.toSeconds(), MAX_CACHE.toSeconds()));
    h.set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=" + seconds);
    h.set(HttpHeaderNames.ETAG, etag);
  }

  /** Errors (expired link, homeserver down) must not be kept by a proxy's cache. */
  static void uncacheable(HttpHeaders h) {
    h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
  }
}
