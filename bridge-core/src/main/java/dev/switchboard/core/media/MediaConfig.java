package dev.switchboard.core.media;

import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigSection;
import dev.switchboard.core.http.ListenerLimits;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The media endpoint (config section {@code media}): its listener, the URL remote users reach it at, and what it
 * allows.
 *
 * @param enabled off: links point at the homeserver's unauthenticated download path, as before the endpoint existed
 * @param publicUrl where remote users reach the listener (the reverse proxy's URL); empty: {@code http://} the
 *     listener's own address, which works on a local setup only
 * @param linkLifetime how long a link opens
 * @param maxBytes files larger than this are refused (413)
 * @param maxConcurrent downloads at once; more get 503
 * @param limits the listener's; a download that moves nothing for the idle timeout is ended too
 */
public record MediaConfig(boolean enabled, String bind, int port, Optional<URI> publicUrl, Duration linkLifetime,
    long maxBytes, int maxConcurrent, ListenerLimits limits) {
  public static final int DEFAULT_PORT = 29323;
  public static final Duration DEFAULT_LIFETIME = Duration.ofDays(30);
  public static final long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;
  public static final int DEFAULT_MAX_CONCURRENT = 32;
  /** Remote users' browsers and media players: a link opened in a busy channel brings many at once. */
  public static final ListenerLimits LIMITS = new ListenerLimits(256, Duration.ofSeconds(60), Duration.ofSeconds(30));

  /** The endpoint with every default, on {@code 127.0.0.1}. */
  public static MediaConfig defaults() {
    return new MediaConfig(true, "127.0.0.1", DEFAULT_PORT, Optional.empty(), DEFAULT_LIFETIME, DEFAULT_MAX_BYTES,
        DEFAULT_MAX_CONCURRENT, LIMITS);
  }

  /** No endpoint: links point at the homeserver's download path. */
  public static MediaConfig disabled() {
    MediaConfig d = defaults();
    return new MediaConfig(false, d.bind(), d.port(), d.publicUrl(), d.linkLifetime(), d.maxBytes(),
        d.maxConcurrent(), d.limits());
  }

  /** The defaults on a free port of {@code 127.0.0.1}, links to it (tests). */
  public static MediaConfig local() {
    return defaults().withPort(0);
  }

  public MediaConfig withPort(int p) {
    return new MediaConfig(enabled, bind, p, publicUrl, linkLifetime, maxBytes, maxConcurrent, limits);
  }

  public MediaConfig withPublicUrl(URI url) {
    return new MediaConfig(enabled, bind, port, Optional.of(url), linkLifetime, maxBytes, maxConcurrent, limits);
  }

  public MediaConfig withLinkLifetime(Duration lifetime) {
    return new MediaConfig(enabled, bind, port, publicUrl, lifetime, maxBytes, maxConcurrent, limits);
  }

  public MediaConfig withMaxBytes(long bytes) {
    return new MediaConfig(enabled, bind, port, publicUrl, linkLifetime, bytes, maxConcurrent, limits);
  }

  public MediaConfig withMaxConcurrent(int n) {
    return new MediaConfig(enabled, bind, port, publicUrl, linkLifetime, maxBytes, n, limits);
  }

  public MediaConfig withLimits(ListenerLimits l) {
    return new MediaConfig(enabled, bind, port, publicUrl, linkLifetime, maxBytes, maxConcurrent, l);
  }

  /**
   * Reads the {@code media} section (missing: the defaults).
   *
   * @param fallbackHost the host for the default public URL when the listener binds every address (the host of
   *     {@code appservice.url})
   * @throws ConfigException naming the key at fault
   */
  public static MediaConfig fromConfig(ConfigSection section, String fallbackHost) {
    List<String> keys = new ArrayList<>(List.of("enabled", "bind", "port", "public_url", "link_lifetime_days",
        "max_bytes", "max_concurrent"));
    keys.addAll(ListenerLimits.KEYS);
    section.allowOnly(keys);
    boolean enabled = section.bool("enabled", true);
    String bind = section.text("bind", "127.0.0.1");
    if (section.has("bind") && section.optionalText("bind").isEmpty()) {
      throw section.problem("bind", "must be an address to listen on, e.g. 127.0.0.1");
    }
    int port = section.integer("port", DEFAULT_PORT, 0, 65535);
    Optional<URI> publicUrl = section.optionalHttpUrl("public_url");
    if (publicUrl.isPresent() && (publicUrl.get().getRawQuery() != null || publicUrl.get().getRawFragment() != null)) {
      throw section.problem("public_url", "must not have a query or fragment, got \"" + publicUrl.get() + "\"");
    }
    if (publicUrl.isEmpty() && port != 0) {
      String host = isWildcard(bind) ? fallbackHost : bind;
      publicUrl = Optional.of(URI.create("http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]"
          : host) + ":" + port));
    }
    Duration lifetime = Duration.ofDays(section.integer("link_lifetime_days", (int) DEFAULT_LIFETIME.toDays(), 1,
        3650));
    long maxBytes = section.number("max_bytes", DEFAULT_MAX_BYTES, 1, Long.MAX_VALUE);
    int maxConcurrent = section.integer("max_concurrent", DEFAULT_MAX_CONCURRENT, 1, 100_000);
    return new MediaConfig(enabled, bind, port, publicUrl, lifetime, maxBytes, maxConcurrent,
        ListenerLimits.read(section, LIMITS));
  }

  static boolean isWildcard(String bind) {
    return bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]");
  }
}
