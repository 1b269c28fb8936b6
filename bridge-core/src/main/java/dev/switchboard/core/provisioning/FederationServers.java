package dev.switchboard.core.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where another homeserver serves its federation API, for checking OpenID tokens its users bring: a configured URL
 * first, else the spec's server name resolution (server-server API, "Resolving server names"): an IP literal or an
 * explicit port is used as it is; otherwise {@code https://<name>/.well-known/matrix/server} may delegate to another
 * host (and port), and the default port is 8448. SRV records are not looked up. Well-known answers are read up to
 * {@link #MAX_WELL_KNOWN} bytes, and only from hosts with public addresses. Answers are remembered for an hour
 * (a failed well-known look-up for ten minutes).
 */
final class FederationServers {
  private static final Logger log = LoggerFactory.getLogger(FederationServers.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A server name: a DNS name, IPv4 or bracketed IPv6 literal, and an optional port (spec appendix: server names). */
  private static final Pattern SERVER_NAME = Pattern.compile(
      "(\\[[0-9A-Fa-f:.]{2,45}]|[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?)"
          + "(?::([0-9]{1,5}))?");
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(?:\\.[0-9]{1,3}){3}");
  private static final int DEFAULT_PORT = 8448;
  private static final Duration REMEMBER = Duration.ofHours(1);
  private static final Duration REMEMBER_FAILURE = Duration.ofMinutes(10);
  private static final int MAX_REMEMBERED = 1_000;
  /** Read no further: the document is one small object. */
  static final int MAX_WELL_KNOWN = 64 * 1024;

  private record Resolved(URI baseUrl, Instant until) {}

  private final Map<String, URI> configured;
  private final Function<String, CompletableFuture<Optional<String>>> wellKnown;
  private final Clock clock;
  private final Map<String, Resolved> remembered = new ConcurrentHashMap<>();

  /**
   * @param configured base URLs by server name (lower case), used instead of discovery
   * @param wellKnown the {@code m.server} of a host's {@code /.well-known/matrix/server}, empty when it has none
   */
  FederationServers(Map<String, URI> configured, Function<String, CompletableFuture<Optional<String>>> wellKnown,
      Clock clock) {
    this.configured = Map.copyOf(configured);
    this.wellKnown = wellKnown;
    this.clock = clock;
  }

  /**
   * With well-known look-ups over HTTPS with {@code http}, each after {@code vet} has accepted the host (see
   * {@link dev.switchboard.core.net.PublicAddresses}).
   */
  static FederationServers overHttps(Map<String, URI> configured, HttpClient http, Clock clock,
      Function<String, CompletableFuture<Void>> vet) {
    return new FederationServers(configured, host -> vet.apply(host).thenCompose(ok -> fetchWellKnown(http, host)),
        clock);
  }

  /** Whether {@code serverName} is a grammatically valid server name. */
  static boolean isServerName(String serverName) {
    return serverName != null && serverName.length() <= 255 && SERVER_NAME.matcher(serverName).matches();
  }

  /** Whether a URL is configured for the server (so {@code listed} accepts it). */
  boolean isConfigured(String serverName) {
    return configured.containsKey(serverName.toLowerCase(Locale.ROOT));
  }

  /** The base URL of the server's federation API. {@code serverName} must be valid ({@link #isServerName}). */
  CompletableFuture<URI> baseUrlOf(String serverName) {
    String name = serverName.toLowerCase(Locale.ROOT);
    URI fixed = configured.get(name);
    if (fixed != null) {
      return CompletableFuture.completedFuture(fixed);
    }
    Resolved hit = remembered.get(name);
    if (hit != null && clock.instant().isBefore(hit.until())) {
      return CompletableFuture.completedFuture(hit.baseUrl());
    }
    Matcher m = SERVER_NAME.matcher(name);
    if (!m.matches()) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("not a server name: " + serverName));
    }
    String host = m.group(1);
    if (m.group(2) != null || isIpLiteral(host)) {
      return CompletableFuture.completedFuture(remember(name, https(host, m.group(2)), REMEMBER));
    }
    return wellKnown.apply(host).handle((delegated, error) -> {
      if (error != null || delegated.isEmpty()) {
        return remember(name, https(host, null), error != null ? REMEMBER_FAILURE : REMEMBER);
      }
      Matcher d = SERVER_NAME.matcher(delegated.get().toLowerCase(Locale.ROOT));
      if (!d.matches()) {
        log.info("{} delegates federation to '{}', which is no server name; using port {}", host, delegated.get(),
            DEFAULT_PORT);
        return remember(name, https(host, null), REMEMBER_FAILURE);
      }
      return remember(name, https(d.group(1), d.group(2)), REMEMBER);
    });
  }

  private URI remember(String name, URI url, Duration howLong) {
    if (remembered.size() >= MAX_REMEMBERED) {
      remembered.clear();
    }
    remembered.put(name, new Resolved(url, clock.instant().plus(howLong)));
    return url;
  }

  private static boolean isIpLiteral(String host) {
    return host.startsWith("[") || IPV4.matcher(host).matches();
  }

  private static URI https(String host, String port) {
    return URI.create("https://" + host + ":" + (port == null ? DEFAULT_PORT : Integer.parseInt(port)));
  }

  private static CompletableFuture<Optional<String>> fetchWellKnown(HttpClient http, String host) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("https://" + host + "/.well-known/matrix/server"))
        .timeout(Duration.ofSeconds(10)).GET().build();
    return http.sendAsync(request, BoundedBody.upTo(MAX_WELL_KNOWN)).thenApply(response -> {
      if (response.statusCode() != 200) {
        return Optional.empty();
      }
      try {
        JsonNode server = JSON.readTree(response.body()).path("m.server");
        return server.isTextual() ? Optional.of(server.asText()) : Optional.empty();
      } catch (IOException e) {
        return Optional.empty();
      }
    });
  }
}
