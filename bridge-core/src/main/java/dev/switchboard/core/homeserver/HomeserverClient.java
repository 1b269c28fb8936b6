package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Speaks the client-server API to the homeserver as the application service: the {@code as_token} goes in the
 * {@code Authorization} header only, ghosts are asserted with {@code ?user_id=}, and transient failures (429, 5xx,
 * network errors) are retried on the scheduler per the caller's {@link RetryPolicy}. No thread ever sleeps.
 */
public final class HomeserverClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HomeserverClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A homeserver asking us to wait longer than this is misbehaving; we wait this long instead. */
  private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);

  /**
   * Client settings.
   *
   * @param baseUrl the homeserver's client-server base URL, e.g. {@code http://localhost:8008}
   * @param asToken the registration's {@code as_token}
   * @param requestTimeout the default time one attempt may take
   * @param queuedRetry the policy for writes from the outbound queue (forever)
   * @param interactiveRetry the policy for calls someone waits on (bounded)
   */
  public record Settings(URI baseUrl, String asToken, Duration connectTimeout, Duration requestTimeout,
      RetryPolicy queuedRetry, RetryPolicy interactiveRetry) {
    public Settings {
      Objects.requireNonNull(baseUrl, "baseUrl");
      if (asToken == null || asToken.isEmpty()) {
        throw new IllegalArgumentException("as_token is empty");
      }
    }

    public static Settings defaults(URI baseUrl, String asToken) {
      return new Settings(baseUrl, asToken, Duration.ofSeconds(10), Duration.ofSeconds(60), RetryPolicy.FOREVER,
          RetryPolicy.INTERACTIVE);
    }

    public Settings withRetries(RetryPolicy queued, RetryPolicy interactive) {
      return new Settings(baseUrl, asToken, connectTimeout, requestTimeout, queued, interactive);
    }

    public Settings withTimeouts(Duration connect, Duration request) {
      return new Settings(baseUrl, asToken, connect, request, queuedRetry, interactiveRetry);
    }

    @Override
    public String toString() {
      return "Settings[baseUrl=" + baseUrl + ", asToken=***, connectTimeout=" + connectTimeout + ", requestTimeout="
          + requestTimeout + "]";
    }
  }

  private final Settings settings;
  private final String base;
  private final HttpClient http;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final RandomGenerator random;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** When the current run of transient failures began (epoch ms), 0 while the homeserver answers. */
  private final AtomicLong unavailableSince = new AtomicLong();
  private final AtomicBoolean rateLimitWarned = new AtomicBoolean();
  /** Calls not yet complete, so that {@link #close()} can fail them instead of leaving them to the next retry. */
  private final Set<CompletableFuture<JsonNode>> pending = ConcurrentHashMap.newKeySet();
  private final MeterRegistry metrics;

  public HomeserverClient(Settings settings, ScheduledExecutorService scheduler, Clock clock,
      RandomGenerator random) {
    this(settings, scheduler, clock, random, new CompositeMeterRegistry());
  }

  /**
   * @param metrics records {@code switchboard.homeserver.requests} (a timer per attempt) and
   *     {@code switchboard.homeserver.errors}, both tagged by method and {@link EndpointTemplate endpoint template}
   */
  public HomeserverClient(Settings settings, ScheduledExecutorService scheduler, Clock clock,
      RandomGenerator random, MeterRegistry metrics) {
    this.metrics = metrics;
    this.settings = settings;
    String url = settings.baseUrl().toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.scheduler = scheduler;
    this.clock = clock;
    this.random = random;
    // HTTP/1.1: the JDK would otherwise try an h2c upgrade on plain http, which some reverse proxies mishandle.
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  public Settings settings() {
    return settings;
  }

  /** The homeserver base URL, for messages to the admin. */
  public URI baseUrl() {
    return settings.baseUrl();
  }

  /** Sends with the interactive (bounded) retry policy. */
  public CompletableFuture<JsonNode> call(MatrixRequest request) {
    return call(request, settings.interactiveRetry());
  }

  /**
   * Sends {@code request}, retrying transient failures per {@code policy}. The future completes with the response
   * body (an empty object when there is none), or fails with a {@link MatrixException} for an error answer, or with
   * the {@link IOException} of the last attempt when the homeserver could not be reached. Cancelling the future stops
   * the retries.
   */
  public CompletableFuture<JsonNode> call(MatrixRequest request, RetryPolicy policy) {
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    pending.add(result);
    result.whenComplete((r, e) -> pending.remove(result));
    if (closed.get()) {
      result.completeExceptionally(new IllegalStateException("homeserver client closed"));
    }
    attempt(request, policy, 1, result);
    return result;
  }

  private void attempt(MatrixRequest request, RetryPolicy policy, int attempt, CompletableFuture<JsonNode> result) {
    if (result.isDone()) {
      return;
    }
    if (closed.get()) {
      result.completeExceptionally(new IllegalStateException("homeserver client closed"));
      return;
    }
    HttpRequest http;
    try {
      http = toHttp(request);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    long started = System.nanoTime();
    this.http.sendAsync(http, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) -> {
      record(request, started, response, error);
      try {
        if (error != null) {
          onNetworkError(request, policy, attempt, result, unwrap(error));
        } else {
          onResponse(request, policy, attempt, result, response);
        }
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
  }

  /** One attempt's latency and, when it failed, its kind; never raw ids (see {@link EndpointTemplate}). */
  private void record(MatrixRequest request, long startedNanos, HttpResponse<?> response, Throwable error) {
    try {
      String endpoint = EndpointTemplate.of(request.path());
      String outcome;
      if (error != null) {
        outcome = "network_error";
      } else if (response.statusCode() < 400) {
        outcome = "success";
      } else if (response.statusCode() == 429) {
        outcome = "rate_limited";
      } else if (response.statusCode() < 500) {
        outcome = "client_error";
      } else {
        outcome = "server_error";
      }
      Timer.builder("switchboard.homeserver.requests")
          .description("Requests to the homeserver, one per attempt")
          .tags("method", request.method(), "endpoint", endpoint, "outcome", outcome)
          .register(metrics)
          .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
      if (!outcome.equals("success")) {
        Counter.builder("switchboard.homeserver.errors")
            .description("Failed requests to the homeserver, one per attempt")
            .tags("method", request.method(), "endpoint", endpoint, "kind", outcome)
            .register(metrics)
            .increment();
      }
    } catch (RuntimeException e) {
      log.debug("Could not record metrics for {}: {}", request.describe(), e.toString());
    }
  }

  /** False while a run of transient failures (network errors, 502/503/504) lasts; true once it answers again. */
  public boolean reachable() {
    return unavailableSince.get() == 0;
  }

  private void onResponse(MatrixRequest request, RetryPolicy policy, int attempt,
      CompletableFuture<JsonNode> result, HttpResponse<byte[]> response) {
    int status = response.statusCode();
    JsonNode body = parse(response.body());
    if (status >= 200 && status < 300) {
      markAvailable();
      result.complete(body == null ? JsonNodeFactory.instance.objectNode() : body);
      return;
    }
    MatrixException error = toException(status, body, response.body());
    if (status == 429) {
      markAvailable();
      warnRateLimitedOnce(request);
      Duration wait = retryAfter(body, response).orElseGet(() -> policy.delayAfter(attempt, random));
      retryOrFail(request, policy, attempt, result, error, wait);
    } else if (status >= 500) {
      if (isAboutTheAppService(error)) {
        // The ping's answers about reaching the bridge: the homeserver itself is fine.
        markAvailable();
      } else if (status == 502 || status == 503 || status == 504 || !error.errcode().startsWith("M_")
          || body == null) {
        markUnavailable(request, status + " " + error.errcode());
      } else if (attempt == 1 && policy.allowsAnotherAfter(1)) {
        // A 500 from a homeserver that is up: this request hit a bug or a failing dependency there.
        log.warn("{} failed with {} {} ({}); retrying with backoff", request.describe(), status, error.errcode(),
            error.error());
      }
      // 502/503/504 come from a proxy or a homeserver that is not serving: the request did not take effect.
      boolean safe = request.idempotent() || status == 502 || status == 503 || status == 504;
      if (safe) {
        retryOrFail(request, policy, attempt, result, error, policy.delayAfter(attempt, random));
      } else {
        result.completeExceptionally(error);
      }
    } else {
      markAvailable();
      result.completeExceptionally(error);
    }
  }

  private void onNetworkError(MatrixRequest request, RetryPolicy policy, int attempt,
      CompletableFuture<JsonNode> result, Throwable error) {
    if (!(error instanceof IOException)) {
      result.completeExceptionally(error);
      return;
    }
    markUnavailable(request, describe(error));
    // A refused or timed-out connection never carried the request; anything later may have.
    boolean notSent = error instanceof ConnectException || error instanceof HttpConnectTimeoutException;
    if (request.idempotent() || notSent) {
      retryOrFail(request, policy, attempt, result, error, policy.delayAfter(attempt, random));
    } else {
      result.completeExceptionally(error);
    }
  }

  private void retryOrFail(MatrixRequest request, RetryPolicy policy, int attempt,
      CompletableFuture<JsonNode> result, Throwable error, Duration delay) {
    if (!policy.allowsAnotherAfter(attempt) || closed.get()) {
      result.completeExceptionally(error);
      return;
    }
    log.debug("{} failed (attempt {}: {}); retrying in {} ms", request.describe(), attempt, describe(error),
        delay.toMillis());
    try {
      scheduler.schedule(() -> attempt(request, policy, attempt + 1, result), delay.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(error);
    }
  }

  private HttpRequest toHttp(MatrixRequest request) {
    StringBuilder uri = new StringBuilder(base).append(request.path());
    char sep = '?';
    for (Map.Entry<String, String> q : request.query().entrySet()) {
      uri.append(sep).append(MatrixRequest.encode(q.getKey())).append('=')
          .append(MatrixRequest.encode(q.getValue()));
      sep = '&';
    }
    if (request.asUser().isPresent()) {
      uri.append(sep).append("user_id=").append(MatrixRequest.encode(request.asUser().get().value()));
    }
    HttpRequest.BodyPublisher body = request.body() == null
        ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(request.body());
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri.toString()))
        .timeout(request.timeout().orElse(settings.requestTimeout()))
        .header("Authorization", "Bearer " + settings.asToken())
        .header("Accept", "application/json")
        .method(request.method(), body);
    if (request.body() != null) {
      b.header("Content-Type", request.contentType());
    }
    return b.build();
  }

  /** 429: {@code retry_after_ms} in the body, {@code Retry-After} (seconds or an HTTP date); the longer wins. */
  private Optional<Duration> retryAfter(JsonNode body, HttpResponse<?> response) {
    long ms = -1;
    if (body != null && body.path("retry_after_ms").canConvertToLong()) {
      ms = body.path("retry_after_ms").asLong();
    }
    Optional<String> header = response.headers().firstValue("Retry-After");
    if (header.isPresent()) {
      String h = header.get().trim();
      try {
        ms = Math.max(ms, Long.parseLong(h) * 1000);
      } catch (NumberFormatException notSeconds) {
        try {
          Instant at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
          ms = Math.max(ms, Duration.between(clock.instant(), at).toMillis());
        } catch (DateTimeParseException ignored) {
          // An unreadable header: fall back to the body or our own backoff.
        }
      }
    }
    if (ms < 0) {
      return Optional.empty();
    }
    Duration d = Duration.ofMillis(ms);
    return Optional.of(d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d);
  }

  /** Errcodes of {@code /appservice/{id}/ping} that describe the homeserver's call to the bridge. */
  private static boolean isAboutTheAppService(MatrixException e) {
    return e.is("M_CONNECTION_FAILED") || e.is("M_CONNECTION_TIMEOUT") || e.is("M_BAD_STATUS");
  }

  private static MatrixException toException(int status, JsonNode body, byte[] raw) {
    if (body != null && body.hasNonNull("errcode")) {
      return new MatrixException(status, body.get("errcode").asText(), body.path("error").asText(""));
    }
    // Not a Matrix error body: a proxy's error page, or an old server that does not know the endpoint.
    String code = status == 404 || status == 405 ? "M_UNRECOGNIZED" : status == 429 ? "M_LIMIT_EXCEEDED" : "M_UNKNOWN";
    String text = new String(raw, StandardCharsets.UTF_8).strip();
    return new MatrixException(status, code, text.length() > 200 ? text.substring(0, 200) + "…" : text);
  }

  private static JsonNode parse(byte[] raw) {
    if (raw == null || raw.length == 0) {
      return null;
    }
    try {
      return JSON.readTree(raw);
    } catch (IOException e) {
      return null;
    }
  }

  private void markUnavailable(MatrixRequest request, String why) {
    long now = clock.millis();
    if (unavailableSince.compareAndSet(0, now)) {
      log.warn("The homeserver at {} is unavailable ({} on {}); requests will be retried with backoff",
          settings.baseUrl(), why, request.describe());
    }
  }

  private void markAvailable() {
    long since = unavailableSince.getAndSet(0);
    if (since != 0) {
      log.info("The homeserver at {} answers again after {} s", settings.baseUrl(),
          (clock.millis() - since) / 1000);
    }
  }

  private void warnRateLimitedOnce(MatrixRequest request) {
    if (rateLimitWarned.compareAndSet(false, true)) {
      log.warn("The homeserver rate-limits the bridge ({}); messages will be delayed. Set rate_limited: false in "
          + "the registration file and restart the homeserver", request.describe());
    } else {
      log.debug("Rate limited on {}", request.describe());
    }
  }

  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String describe(Throwable error) {
    String m = error.getMessage();
    return error.getClass().getSimpleName() + (m == null || m.isEmpty() ? "" : ": " + m);
  }

  /** Stops scheduling retries; requests waiting for one fail. The scheduler belongs to the caller. */
  @Override
  public void close() {
    closed.set(true);
    for (CompletableFuture<JsonNode> call : pending) {
      call.completeExceptionally(new IllegalStateException("homeserver client closed"));
    }
  }
}
