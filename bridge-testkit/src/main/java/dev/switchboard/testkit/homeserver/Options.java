package dev.switchboard.testkit.homeserver;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * How a {@link TestHomeserver} behaves. Start from {@link #defaults()} and change what a test needs.
 *
 * @param versions what {@code GET /_matrix/client/versions} lists
 * @param legacy behave like Synapse before 1.81: unprefixed AS paths with {@code ?access_token=}, no ping
 * @param maxEventsPerTransaction events per AS transaction (Synapse: 100)
 * @param initialBackoff first retry delay of a failed AS transaction, doubled each time up to {@code maxBackoff}
 * @param asRequestTimeout how long the homeserver waits for the AS on each request
 * @param failOnSchemaViolations whether {@link TestHomeserver#close()} fails when violations were recorded
 * @param pingEndpoint whether a modern homeserver has the appservice ping (Synapse 1.84 on); without it the ping
 *     path answers 400 {@code M_UNRECOGNIZED}, as Synapse 1.81 to 1.83 answered unknown client paths
 * @param media how the content repository behaves
 */
public record Options(String serverName, List<String> versions, boolean legacy, Clock clock, Random random,
    int maxEventsPerTransaction, Duration initialBackoff, Duration maxBackoff, Duration asRequestTimeout,
    boolean failOnSchemaViolations, boolean pingEndpoint, Media media) {

  /**
   * The content repository's behaviour.
   *
   * @param authenticatedOnly the unauthenticated {@code /_matrix/media/v3} download and thumbnail paths answer 404
   *     {@code M_NOT_FOUND}, as Synapse does with {@code enable_authenticated_media} (its default since 1.120) for
   *     media uploaded since
   * @param authenticatedApi the {@code /_matrix/client/v1/media} paths (Matrix 1.11) exist; off plays an older
   *     homeserver, which answers them 404 {@code M_UNRECOGNIZED}
   * @param ranges downloads honour a single {@code Range: bytes=...}; off answers the whole file, as a server may
   */
  public record Media(boolean authenticatedOnly, boolean authenticatedApi, boolean ranges) {
    public static Media defaults() {
      return new Media(false, true, true);
    }

    public Media authenticatedOnly(boolean on) {
      return new Media(on, authenticatedApi, ranges);
    }

    public Media authenticatedApi(boolean on) {
      return new Media(authenticatedOnly, on, ranges);
    }

    public Media ranges(boolean on) {
      return new Media(authenticatedOnly, authenticatedApi, on);
    }
  }

  /** What Synapse 1.1xx advertises. */
  public static final List<String> MODERN_VERSIONS = List.of("r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0",
      "r0.5.0", "r0.6.0", "r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10",
      "v1.11", "v1.12");

  /** What Synapse before 1.81 advertised at most, for legacy mode. */
  public static final List<String> LEGACY_VERSIONS = List.of("r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0",
      "r0.5.0", "r0.6.0", "r0.6.1", "v1.1", "v1.2");

  public Options {
    versions = List.copyOf(versions);
  }

  public static Options defaults() {
    return new Options("test.local", MODERN_VERSIONS, false, Clock.systemUTC(), new SecureRandom(), 100,
        Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofSeconds(10), true, true, Media.defaults());
  }

  public Options serverName(String name) {
    return new Options(name, versions, legacy, clock, random, maxEventsPerTransaction, initialBackoff, maxBackoff,
        asRequestTimeout, failOnSchemaViolations, pingEndpoint, media);
  }

  public Options versions(List<String> list) {
    return new Options(serverName, list, legacy, clock, random, maxEventsPerTransaction, initialBackoff, maxBackoff,
        asRequestTimeout, failOnSchemaViolations, pingEndpoint, media);
  }

  /** Legacy mode also narrows the advertised versions to v1.2, as those homeservers did. */
  public Options legacy(boolean on) {
    return new Options(serverName, on ? LEGACY_VERSIONS : MODERN_VERSIONS, on, clock, random,
        maxEventsPerTransaction, initialBackoff, maxBackoff, asRequestTimeout, failOnSchemaViolations, pingEndpoint,
        media);
  }

  public Options clock(Clock c) {
    return new Options(serverName, versions, legacy, c, random, maxEventsPerTransaction, initialBackoff, maxBackoff,
        asRequestTimeout, failOnSchemaViolations, pingEndpoint, media);
  }

  public Options random(Random r) {
    return new Options(serverName, versions, legacy, clock, r, maxEventsPerTransaction, initialBackoff, maxBackoff,
        asRequestTimeout, failOnSchemaViolations, pingEndpoint, media);
  }

  public Options maxEventsPerTransaction(int n) {
    return new Options(serverName, versions, legacy, clock, random, n, initialBackoff, maxBackoff, asRequestTimeout,
        failOnSchemaViolations, pingEndpoint, media);
  }

  public Options backoff(Duration initial, Duration max) {
    return new Options(serverName, versions, legacy, clock, random, maxEventsPerTransaction, initial, max,
        asRequestTimeout, failOnSchemaViolations, pingEndpoint, media);
  }

  public Options asRequestTimeout(Duration timeout) {
    return new Options(serverName, versions, legacy, clock, random, maxEventsPerTransaction, initialBackoff,
        maxBackoff, timeout, failOnSchemaViolations, pingEndpoint, media);
  }

  public Options failOnSchemaViolations(boolean fail) {
    return new Options(serverName, versions, legacy, clock, random, maxEventsPerTransaction, initialBackoff,
        maxBackoff, asRequestTimeout, fail, pingEndpoint, media);
  }

  public Options media(Media m) {
    return new Options(serverName, versions, legacy, clock, random, maxEventsPerTransaction, initialBackoff,
        maxBackoff, asRequestTimeout, failOnSchemaViolations, pingEndpoint, m);
  }

  /** A homeserver between Synapse 1.81 and 1.84: modern AS paths, but the ping answers 400 M_UNRECOGNIZED. */
  public Options withoutPingEndpoint() {
    return new Options(serverName, versions, legacy, clock, random, maxEventsPerTransaction, initialBackoff,
        maxBackoff, asRequestTimeout, failOnSchemaViolations, false, media);
  }
}
