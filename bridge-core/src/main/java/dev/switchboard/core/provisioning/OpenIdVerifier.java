package dev.switchboard.core.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.failure.Failures;
import dev.switchboard.core.homeserver.MatrixRequest;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.net.PublicAddresses;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a Matrix OpenID token with the homeserver that issued it ({@code GET
 * /_matrix/federation/v1/openid/userinfo?access_token=}, server-server API) and remembers the answer briefly, so a
 * widget making a burst of calls costs one look-up. The caller names the issuing server ({@code matrix_server_name} of
 * the token, default the bridge's own homeserver); which other servers are asked at all is {@link OtherServers}. A
 * homeserver can vouch for its own users alone: the answer's {@code sub} must belong to the server asked. Tokens are
 * never logged; the cache keys on their digest.
 */
public final class OpenIdVerifier {
  private static final Logger log = LoggerFactory.getLogger(OpenIdVerifier.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_CACHED = 10_000;

  private record Verified(UserId user, Instant until) {}

  /** Which homeservers besides the bridge's own may vouch for their users ({@code provisioning.openid_other_servers}). */
  public enum OtherServers {
    /** None: only the bridge's own homeserver's users can use OpenID. */
    NONE,
    /** Those with a URL in {@code provisioning.openid_server_urls}. */
    LISTED,
    /** Any: a configured URL, else found by server discovery. */
    ANY
  }

  private final URI baseUrl;
  private final String serverName;
  private final Duration cacheFor;
  private final Clock clock;
  private final HttpClient http;
  private final OtherServers others;
  private final FederationServers servers;
  private final Map<String, Verified> cache = new ConcurrentHashMap<>();
  private final Function<String, CompletableFuture<Void>> vet;
  /** A userinfo answer is {@code {"sub": "@user:server"}}: a few dozen bytes; read no further than this. */
  static final int MAX_ANSWER = 64 * 1024;

  /**
   * @param baseUrl where the homeserver serves the federation userinfo endpoint
   * @param serverName the homeserver's name; tokens of users elsewhere are refused
   * @param cacheFor how long a verified token is trusted without asking again; zero asks every time
   */
  public OpenIdVerifier(URI baseUrl, String serverName, Duration cacheFor, Clock clock) {
    this(baseUrl, serverName, cacheFor, clock, OtherServers.NONE, Map.of());
  }

  /**
   * As above, and tokens of other homeservers' users are checked at those servers as {@code others} allows.
   *
   * @param serverUrls federation base URLs by server name, used instead of discovery
   */
  public OpenIdVerifier(URI baseUrl, String serverName, Duration cacheFor, Clock clock, OtherServers others,
      Map<String, URI> serverUrls) {
    this(baseUrl, serverName, cacheFor, clock, others, serverUrls, PublicAddresses::check);
  }

  /**
   * As above, with the check of discovered hosts given: it must fail for a host discovery may not ask.
   * Configured URLs and the bridge's own homeserver are not checked: the admin chose them.
   */
  OpenIdVerifier(URI baseUrl, String serverName, Duration cacheFor, Clock clock, OtherServers others,
      Map<String, URI> serverUrls, Function<String, CompletableFuture<Void>> vet) {
    this.vet = vet;
    this.others = others;
    this.baseUrl = baseUrl;
    this.serverName = serverName;
    this.cacheFor = cacheFor;
    this.clock = clock;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    Map<String, URI> lower = new java.util.HashMap<>();
    serverUrls.forEach((name, url) -> lower.put(name.toLowerCase(Locale.ROOT), url));
    this.servers = FederationServers.overHttps(lower, HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
        // No redirects: a redirect target would escape the address check.
        .followRedirects(HttpClient.Redirect.NEVER).build(), clock, vet);
  }

  /** The owner of a token of the bridge's own homeserver, as {@link #verify(String, Optional)}. */
  public CompletableFuture<UserId> verify(String token) {
    return verify(token, Optional.empty());
  }

  /**
   * The token's owner, or a failed future with a {@link ProvisioningException} (401 for a bad token or a server not
   * allowed to vouch).
   *
   * @param issuer the token's {@code matrix_server_name}; empty means the bridge's own homeserver
   */
  public CompletableFuture<UserId> verify(String token, Optional<String> issuer) {
    if (token.isEmpty() || token.length() > 4096) {
      return CompletableFuture.failedFuture(unknownToken());
    }
    String server = issuer.map(String::trim).filter(i -> !i.isEmpty()).orElse(serverName);
    boolean own = server.equalsIgnoreCase(serverName);
    if (!own) {
      if (!FederationServers.isServerName(server)) {
        return CompletableFuture.failedFuture(ProvisioningException.badRequest("M_INVALID_PARAM",
            "matrix_server_name is not a server name"));
      }
      if (others == OtherServers.NONE || others == OtherServers.LISTED && !servers.isConfigured(server)) {
        return CompletableFuture.failedFuture(new ProvisioningException(401, "M_UNKNOWN_TOKEN",
            "OpenID tokens of " + server + " are not accepted here"
                + (others == OtherServers.NONE ? "; only users of " + serverName + " can use OpenID" : "")));
      }
    }
    String key = digest(server.toLowerCase(Locale.ROOT) + " " + token);
    Verified hit = cache.get(key);
    if (hit != null && clock.instant().isBefore(hit.until())) {
      return CompletableFuture.completedFuture(hit.user());
    }
    CompletableFuture<URI> where = own ? CompletableFuture.completedFuture(baseUrl) : servers.baseUrlOf(server);
    return where.exceptionallyCompose(error -> CompletableFuture.failedFuture(new ProvisioningException(502,
            "M_UNKNOWN", "Cannot find the homeserver " + server + " to check the OpenID token")))
        .thenCompose(url -> own || servers.isConfigured(server) ? ask(url, server, token, key)
            : vet.apply(url.getHost()).exceptionallyCompose(error -> CompletableFuture.failedFuture(
                notAccepted(server, error))).thenCompose(ok -> ask(url, server, token, key)));
  }

  private CompletableFuture<UserId> ask(URI url, String server, String token, String key) {
    String base = url.toString().endsWith("/") ? url.toString().substring(0, url.toString().length() - 1)
        : url.toString();
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/_matrix/federation/v1/openid/userinfo"
            + "?access_token=" + MatrixRequest.encode(token)))
        .timeout(Duration.ofSeconds(15))
        .GET()
        .build();
    return http.sendAsync(request, BoundedBody.upTo(MAX_ANSWER))
        .exceptionallyCompose(error -> CompletableFuture.failedFuture(new ProvisioningException(502, "M_UNKNOWN",
            Failures.rootCause(error) instanceof BoundedBody.TooLarge
                ? "The homeserver " + server + " answered the OpenID check with more than " + MAX_ANSWER + " bytes"
                : "Cannot reach the homeserver " + server + " to check the OpenID token")))
        .thenApply(response -> {
          UserId user = owner(response, url, server);
          if (!cacheFor.isZero()) {
            if (cache.size() >= MAX_CACHED) {
              Instant now = clock.instant();
              cache.values().removeIf(v -> !now.isBefore(v.until()));
              if (cache.size() >= MAX_CACHED) {
                cache.clear();
              }
            }
            cache.put(key, new Verified(user, clock.instant().plus(cacheFor)));
          }
          return user;
        });
  }

  private UserId owner(HttpResponse<byte[]> response, URI baseUrl, String serverName) {
    int status = response.statusCode();
    if (status == 401 || status == 403 || status == 404) {
      // 404: the homeserver does not serve the federation API at this URL; say so to the admin, not the caller.
      if (status == 404 && serverName.equalsIgnoreCase(this.serverName)) {
        log.warn("The homeserver answered 404 for the OpenID userinfo endpoint at {}: set provisioning.openid_url to "
            + "where it serves /_matrix/federation/v1/openid/userinfo", baseUrl);
      }
      throw unknownToken();
    }
    if (status != 200) {
      // Another server's failures are the caller's business: kept out of the warnings anyone could flood.
      if (serverName.equalsIgnoreCase(this.serverName)) {
        log.warn("Checking an OpenID token at {} failed with HTTP {}", baseUrl, status);
      } else {
        log.debug("Checking an OpenID token at {} failed with HTTP {}", baseUrl, status);
      }
      throw new ProvisioningException(502, "M_UNKNOWN", "The homeserver could not check the OpenID token");
    }
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new ProvisioningException(502, "M_UNKNOWN", "The homeserver's OpenID answer is not JSON");
    }
    UserId user;
    try {
      user = UserId.of(body.path("sub").asText(""));
    } catch (IllegalArgumentException e) {
      throw new ProvisioningException(502, "M_UNKNOWN", "The homeserver's OpenID answer has no valid user id");
    }
    if (!user.server().toLowerCase(Locale.ROOT).equals(serverName.toLowerCase(Locale.ROOT))) {
      log.info("The OpenID endpoint at {} vouched for {}, who is not on {}; refused", baseUrl, user, serverName);
      throw new ProvisioningException(401, "M_UNKNOWN_TOKEN", "The token's owner is not a user of " + serverName
          + ", which was asked");
    }
    return user;
  }

  private static ProvisioningException notAccepted(String server, Throwable error) {
    Throwable cause = Failures.rootCause(error);
    if (cause instanceof PublicAddresses.NotPublic) {
      log.debug("Not asking {} about an OpenID token: {}", server, cause.getMessage());
      return new ProvisioningException(401, "M_UNKNOWN_TOKEN", "OpenID tokens of " + server + " are not accepted "
          + "here: it resolves to an address that is not public");
    }
    return new ProvisioningException(502, "M_UNKNOWN", "Cannot find the homeserver " + server
        + " to check the OpenID token");
  }

  private static ProvisioningException unknownToken() {
    return new ProvisioningException(401, "M_UNKNOWN_TOKEN", "Unknown or expired OpenID token");
  }

  private static String digest(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
