package dev.switchboard.xmpp.media;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Fetches files that XMPP users share by URL (XEP-0066 / XEP-0363 uploads) so they can be re-uploaded to Matrix.
 * Guards: http(s) only; the host must not resolve to a loopback, private, link-local or otherwise internal address
 * unless it is one of the configured servers; at most {@code maxBytes}; redirects followed by hand (each target
 * checked again), at most three.
 */
public final class MediaFetcher {
  private static final int MAX_REDIRECTS = 3;

  private final HttpClient http;
  private final long maxBytes;
  private final Set<String> allowedHosts;
  private final Executor blocking;

  /** A fetched file. */
  public record Fetched(byte[] bytes, String contentType, String fileName) {}

  /** Why a URL was not fetched; the message then goes to Matrix as text with the link. */
  public static final class RefusedException extends Exception {
    public RefusedException(String message) {
      super(message);
    }
  }

  public MediaFetcher(long maxBytes, Set<String> allowedHosts, Executor blocking) {
    this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(10)).build();
    this.maxBytes = maxBytes;
    this.allowedHosts = Set.copyOf(allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
    this.blocking = blocking;
  }

  public CompletableFuture<Fetched> fetch(String url) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return get(URI.create(url), 0);
      } catch (RefusedException | IOException | IllegalArgumentException e) {
        throw new CompletionException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CompletionException(e);
      }
    }, blocking);
  }

  private Fetched get(URI uri, int redirects) throws RefusedException, IOException, InterruptedException {
    check(uri);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build();
    HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      int status = response.statusCode();
      if (status >= 300 && status < 400) {
        Optional<String> location = response.headers().firstValue("location");
        if (location.isEmpty() || redirects >= MAX_REDIRECTS) {
          throw new RefusedException("too many or broken redirects from " + uri.getHost());
        }
        return get(uri.resolve(location.get()), redirects + 1);
      }
      if (status != 200) {
        throw new RefusedException("HTTP " + status + " from " + uri.getHost());
      }
      long declared = response.headers().firstValueAsLong("content-length").orElse(-1);
      if (declared > maxBytes) {
        throw new RefusedException("file of " + declared + " bytes is over the limit of " + maxBytes);
      }
      byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (bytes.length > maxBytes) {
        throw new RefusedException("file is over the limit of " + maxBytes + " bytes");
      }
      String type = response.headers().firstValue("content-type").orElse("application/octet-stream");
      String path = uri.getPath() == null ? "" : uri.getPath();
      String name = path.substring(path.lastIndexOf('/') + 1);
      return new Fetched(bytes, type, name.isEmpty() ? "file" : name);
    }
  }

  private void check(URI uri) throws RefusedException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new RefusedException("not an http(s) URL");
    }
    String host = uri.getHost();
    if (host == null) {
      throw new RefusedException("no host");
    }
    if (allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
      return;
    }
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (isInternal(a)) {
          throw new RefusedException(host + " resolves to an internal address");
        }
      }
    } catch (UnknownHostException e) {
      throw new RefusedException("unknown host " + host);
    }
  }

  static boolean isInternal(InetAddress a) {
    if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) {
      return (b[0] & 0xfe) == 0xfc; // unique local fc00::/7
    }
    // 100.64.0.0/10 (carrier-grade NAT) and 0.0.0.0/8
    return ((b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64) || b[0] == 0;
  }
}
