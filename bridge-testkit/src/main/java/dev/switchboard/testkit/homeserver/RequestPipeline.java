package dev.switchboard.testkit.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.homeserver.http.Call;
import dev.switchboard.testkit.homeserver.http.HttpRequest;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.state.Requester;
import dev.switchboard.testkit.spec.SpecSchemas;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to each request, off the event loop: injected faults, spec validation, routing, the handler,
 * Matrix error bodies, and the request log.
 */
final class RequestPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(RequestPipeline.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Router router;
  private final Call.Authenticator auth;
  private final Faults faults;
  private final SpecSchemas spec;
  private final ExecutorService executor;
  private final Consumer<SchemaViolation> violations;
  private final Consumer<RecordedRequest> log;
  private final Clock clock;

  RequestPipeline(Router router, Call.Authenticator auth, Faults faults, SpecSchemas spec, ExecutorService executor,
      Consumer<SchemaViolation> violations, Consumer<RecordedRequest> log, Clock clock) {
    this.router = router;
    this.auth = auth;
    this.faults = faults;
    this.spec = spec;
    this.executor = executor;
    this.violations = violations;
    this.log = log;
    this.clock = clock;
  }

  CompletableFuture<HttpResponse> dispatch(HttpRequest request) {
    CompletableFuture<HttpResponse> result = new CompletableFuture<>();
    executor.execute(() -> {
      try {
        result.complete(handle(request));
      } catch (InterruptedException e) {
        // Shutting down while a request hangs or waits: drop it.
        result.complete(null);
      } catch (Throwable t) {
        LOG.warn("testkit homeserver failed on {} {}", request.method(), request.path(), t);
        result.complete(HttpResponse.error(new MatrixException(500, "M_UNKNOWN", "Internal server error: " + t)));
      }
    });
    return result;
  }

  private HttpResponse handle(HttpRequest request) throws Exception {
    JsonNode body = parse(request);
    validate(request, body);
    Optional<Faults.Fault> fault = faults.take(request.path());
    Call[] call = new Call[1];
    HttpResponse response = null;
    try {
      if (fault.isPresent()) {
        response = injected(fault.get());
        if (response == null && fault.get() instanceof Faults.Hang) {
          return null;
        }
      }
      if (response == null) {
        response = route(request, call);
      }
      return response;
    } finally {
      Requester requester = call[0] == null ? null : call[0].requesterIfKnown();
      log.accept(new RecordedRequest(request.method(), request.path(), request.query(),
          requester == null ? null : requester.userId(),
          requester == null || requester.appService() == null ? null : requester.appService().id(), body,
          response == null ? 0 : response.status(), clock.instant()));
    }
  }

  private HttpResponse route(HttpRequest request, Call[] call) throws Exception {
    boolean[] methodMismatch = new boolean[1];
    Optional<Router.Match> match = router.find(request.method(), request.path(), methodMismatch);
    if (match.isEmpty()) {
      // Synapse: 404 (or 405 for a known path) with M_UNRECOGNIZED.
      return HttpResponse.error(new MatrixException(methodMismatch[0] ? 405 : 404, "M_UNRECOGNIZED",
          "Unrecognized request"));
    }
    call[0] = new Call(request, match.get().params(), auth);
    try {
      return match.get().handler().handle(call[0]);
    } catch (MatrixException e) {
      return HttpResponse.error(e);
    }
  }

  private static HttpResponse injected(Faults.Fault fault) throws InterruptedException {
    if (fault instanceof Faults.RateLimited r) {
      long ms = r.retryAfter().toMillis();
      HttpResponse response = HttpResponse.error(new MatrixException(429, "M_LIMIT_EXCEEDED", "Too Many Requests",
          r.inBody() ? Map.of("retry_after_ms", ms) : Map.of()));
      return r.inHeader() ? response.withHeader("Retry-After", Long.toString((ms + 999) / 1000)) : response;
    }
    if (fault instanceof Faults.ServerError e) {
      return HttpResponse.error(new MatrixException(e.status(), "M_UNKNOWN", "Internal server error"));
    }
    if (fault instanceof Faults.Hang h) {
      Thread.sleep(h.duration().toMillis());
      return null;
    }
    if (fault instanceof Faults.Delay d) {
      long min = d.duration().toNanos();
      long spread = d.upTo().toNanos() - min;
      long nanos = min + (spread > 0 ? java.util.concurrent.ThreadLocalRandom.current().nextLong(spread + 1) : 0);
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    }
    if (fault instanceof Faults.SkewedDelay d) {
      long nanos = d.sampleNanos(java.util.concurrent.ThreadLocalRandom.current());
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    }
    return null;
  }

  private void validate(HttpRequest request, JsonNode body) {
    String path = request.path();
    if (!path.startsWith("/_matrix/client") && !path.startsWith("/_matrix/media")) {
      return;
    }
    String uri = request.uri();
    if (spec.clientServerOperation(request.method(), uri).isEmpty()) {
      // Unknown or unstable endpoints get 404 M_UNRECOGNIZED, as from Synapse; nothing to check them against.
      return;
    }
    boolean json = request.body().length > 0 && body == null && isJsonType(request);
    if (json) {
      violations.accept(new SchemaViolation("client-server request", request.method(), path,
          "body is not valid JSON"));
      return;
    }
    for (String message : spec.validateRequest(request.method(), uri, isJsonType(request) ? body : null)) {
      violations.accept(new SchemaViolation("client-server request", request.method(), path, message));
    }
  }

  private static boolean isJsonType(HttpRequest request) {
    String type = request.header("content-type");
    return type == null || type.startsWith("application/json");
  }

  private static JsonNode parse(HttpRequest request) {
    if (request.body().length == 0 || !isJsonType(request)) {
      return null;
    }
    try {
      return JSON.readTree(request.body());
    } catch (IOException e) {
      return null;
    }
  }
}
