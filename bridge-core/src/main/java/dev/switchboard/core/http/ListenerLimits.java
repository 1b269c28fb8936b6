package dev.switchboard.core.http;

import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigSection;
import java.time.Duration;
import java.util.List;

/**
 * What one HTTP listener tolerates from its clients (keys {@code max_connections}, {@code idle_timeout_seconds},
 * {@code request_timeout_seconds} in the listener's config section).
 *
 * @param maxConnections open connections at most; a new one beyond it closes the longest-idle one, or is itself
 *     closed when every connection is busy with a request
 * @param idleTimeout a connection that sends no bytes for this long, outside a request being answered, is closed
 * @param requestTimeout a request's head and body must arrive within this (slow senders get 408 and are closed)
 */
public record ListenerLimits(int maxConnections, Duration idleTimeout, Duration requestTimeout) {
  /** The config keys, for the sections that check for unknown keys. */
  public static final List<String> KEYS = List.of("max_connections", "idle_timeout_seconds",
      "request_timeout_seconds");

  /** The AS API: homeservers use a handful of connections; the rest of the headroom is for bursts of queries. */
  public static final ListenerLimits APPSERVICE = new ListenerLimits(512, Duration.ofSeconds(60),
      Duration.ofSeconds(30));
  public static final ListenerLimits PROVISIONING = new ListenerLimits(128, Duration.ofSeconds(60),
      Duration.ofSeconds(30));
  /** Scrapers and supervisors: a few clients. */
  public static final ListenerLimits METRICS = new ListenerLimits(32, Duration.ofSeconds(60),
      Duration.ofSeconds(30));

  public ListenerLimits {
    if (maxConnections < 1 || idleTimeout.isNegative() || idleTimeout.isZero() || requestTimeout.isNegative()
        || requestTimeout.isZero()) {
      throw new IllegalArgumentException("listener limits must be positive");
    }
  }

  /**
   * Reads the keys from a listener's config section; missing keys keep {@code defaults}.
   *
   * @throws ConfigException naming the key at fault
   */
  public static ListenerLimits read(ConfigSection section, ListenerLimits defaults) {
    return new ListenerLimits(
        section.integer("max_connections", defaults.maxConnections(), 1, 1_000_000),
        section.seconds("idle_timeout_seconds", defaults.idleTimeout(), Duration.ofSeconds(1), Duration.ofDays(1)),
        section.seconds("request_timeout_seconds", defaults.requestTimeout(), Duration.ofSeconds(1),
            Duration.ofHours(1)));
  }
}
