package dev.switchboard.xmpp.media;

import dev.switchboard.core.net.PublicAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fetches files that XMPP users share by URL (XEP-0066 / XEP-0363 uploads) so they can be re-uploaded to Matrix.
 * Guards: http(s) only; the host is resolved once, and must not resolve to a loopback, private, link-local or
 * otherwise internal address unless it is one of the configured servers; the connection goes to that checked
 * address (never a second look-up a rebinding DNS server could answer differently); one deadline for the whole
 * transfer, headers and body, so a server that dribbles a byte at a time cannot hold a room's later messages; at
 * most {@code maxBytes}; redirects followed by hand (each target resolved and checked again), at most three.
 *
 * <p>Fetches run on the fetcher's own small pool ({@code maxConcurrent} threads, a bounded queue), never on the
 * shared blocking pool that JDBC and the rest of the bridge need; beyond the queue a fetch is refused at once (the
 * link then goes to Matrix as text).
 */
public final class MediaFetcher implements AutoCloseable {
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_CONCURRENT = 4;
  private static final int MAX_REDIRECTS = 3;
  private static final int MAX_WAITING = 64;

  private final long maxBytes;
  private final Set<String> allowedHosts;
  private final Duration deadline;
  private final Resolver resolver;
  private final ThreadPoolExecutor pool;

  /** A fetched file. */
  public record Fetched(byte[] bytes, String contentType, String fileName) {}

  /** Why a URL was not fetched; the message then goes to Matrix as text with the link. */
  public static final class RefusedException extends Exception {
    public RefusedException(String message) {
      super(message);
    }
  }

  /** Name resolution, replaceable in tests. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  public MediaFetcher(long maxBytes, Set<String> allowedHosts) {
    this(maxBytes, allowedHosts, DEFAULT_DEADLINE, DEFAULT_MAX_CONCURRENT, InetAddress::getAllByName);
  }

  /**
   * @param deadline for one whole fetch: connect, TLS, headers, body, and every redirect
   * @param maxConcurrent fetches at once; more wait in a bounded queue
   */
  public MediaFetcher(long maxBytes, Set<String> allowedHosts, Duration deadline, int maxConcurrent,
      Resolver resolver) {
    this.maxBytes = maxBytes;
    this.allowedHosts = Set.copyOf(allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
    this.deadline = deadline;
    this.resolver = resolver;
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(maxConcurrent, maxConcurrent, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(MAX_WAITING), r -> {
          Thread t = new Thread(r, "xmpp-media-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
  }

  /** Fetches {@code url}; fails with {@link RefusedException} (or an I/O error) when it cannot or must not. */
  public CompletableFuture<Fetched> fetch(String url) {
    try {
      return CompletableFuture.supplyAsync(() -> {
        try {
          long until = System.nanoTime() + deadline.toNanos();
          return get(URI.create(url), 0, until);
        } catch (RefusedException | IOException | IllegalArgumentException e) {
          throw new CompletionException(e);
        }
      }, pool);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new RefusedException(pool.isShutdown() ? "the bridge is stopping"
          : "too many files are being fetched"));
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }

  private Fetched get(URI uri, int redirects, long until) throws RefusedException, IOException {
    InetAddress address = check(uri);
    HttpGet.Response response = HttpGet.get(uri, address, until, maxBytes);
    int status = response.status();
    if (status >= 300 && status < 400) {
      String location = response.header("location");
      if (location == null || redirects >= MAX_REDIRECTS) {
        throw new RefusedException("too many or broken redirects from " + uri.getHost());
      }
      return get(uri.resolve(location.strip()), redirects + 1, until);
    }
    if (status != 200) {
      throw new RefusedException("HTTP " + status + " from " + uri.getHost());
    }
    if (response.tooLarge()) {
      throw new RefusedException("file is over the limit of " + maxBytes + " bytes");
    }
    String type = response.header("content-type");
    String path = uri.getPath() == null ? "" : uri.getPath();
    String name = path.substring(path.lastIndexOf('/') + 1);
    return new Fetched(response.body(), type == null ? "application/octet-stream" : type,
        name.isEmpty() ? "file" : name);
  }

  /** Resolves the host once and checks it; returns the address to connect to. */
  private InetAddress check(URI uri) throws RefusedException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new RefusedException("not an http(s) URL");
    }
    String host = uri.getHost();
    if (host == null) {
      throw new RefusedException("no host");
    }
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(bare);
    } catch (UnknownHostException e) {
      throw new RefusedException("unknown host " + host);
    }
    if (addresses.length == 0) {
      throw new RefusedException("unknown host " + host);
    }
    if (!allowedHosts.contains(bare.toLowerCase(Locale.ROOT))) {
      for (InetAddress a : addresses) {
        if (isInternal(a)) {
          throw new RefusedException(host + " resolves to an internal address");
        }
      }
    }
    return addresses[0];
  }

  /** Not on the public internet: {@link PublicAddresses}, the one definition the bridge uses everywhere. */
  static boolean isInternal(InetAddress a) {
    return !PublicAddresses.isPublic(a);
  }

  /** Milliseconds left before {@code until} (a {@link System#nanoTime} instant); a timeout once it passed. */
  static int remainingMillis(long until) throws IOException {
    long left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
    if (left <= 0) {
      throw new java.net.SocketTimeoutException("the fetch deadline passed");
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }
}
