package dev.switchboard.testkit.homeserver.appservice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.SchemaViolation;
import dev.switchboard.testkit.spec.SpecSchemas;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The homeserver's side of the application-service API: transactions, user and alias queries, ping, third-party
 * lookups. Every answer is checked against the spec's application-service definitions.
 */
public final class AppServiceClient {
  /**
   * What the AS answered.
   *
   * @param status HTTP status, or {@code 0} when there was no answer
   * @param failure {@code "timeout"} or a connection error when there was no answer
   */
  public record Answer(int status, JsonNode body, String failure) {
    public boolean ok() {
      return status == 200;
    }

    public boolean timedOut() {
      return "timeout".equals(failure);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http;
  private final boolean legacy;
  private final Duration timeout;
  private final SpecSchemas spec;
  private final Consumer<SchemaViolation> violations;

  public AppServiceClient(boolean legacy, Duration timeout, SpecSchemas spec, Consumer<SchemaViolation> violations) {
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    this.legacy = legacy;
    this.timeout = timeout;
    this.spec = spec;
    this.violations = violations;
  }

  public Answer pushTransaction(AppServiceRegistration as, String txnId, JsonNode body) {
    return call(as, "PUT", "/transactions/" + encode(txnId), "", body, timeout);
  }

  /** Asks the AS whether a user in its namespace exists; true when it answered 200 (and so created it). */
  public boolean queryUser(AppServiceRegistration as, String userId) {
    return call(as, "GET", "/users/" + encode(userId), "", null, timeout).ok();
  }

  /** Asks the AS whether an alias in its namespace exists; true when it answered 200 (and so created it). */
  public boolean queryAlias(AppServiceRegistration as, String alias) {
    return call(as, "GET", "/rooms/" + encode(alias), "", null, timeout).ok();
  }

  public Answer ping(AppServiceRegistration as, String transactionId, Duration pingTimeout) {
    var body = JSON.createObjectNode();
    if (transactionId != null) {
      body.put("transaction_id", transactionId);
    }
    return call(as, "POST", "/ping", "", body, pingTimeout);
  }

  /** A third-party lookup, e.g. {@code /thirdparty/protocol/irc}, with an already-encoded query string. */
  public Answer thirdParty(AppServiceRegistration as, String path, String rawQuery) {
    return call(as, "GET", path, rawQuery, null, timeout);
  }

  private Answer call(AppServiceRegistration as, String method, String path, String rawQuery, JsonNode body,
      Duration requestTimeout) {
    if (as.url() == null) {
      return new Answer(0, null, "the application service has no url");
    }
    String base = as.url().endsWith("/") ? as.url().substring(0, as.url().length() - 1) : as.url();
    String query = rawQuery == null ? "" : rawQuery;
    String prefix;
    if (legacy) {
      // Synapse before 1.81: no /_matrix/app/v1 prefix (third-party lookups under unstable), token in the query.
      prefix = path.startsWith("/thirdparty/") ? "/_matrix/app/unstable" : "";
      query = (query.isEmpty() ? "" : query + "&") + "access_token=" + encode(as.hsToken());
    } else {
      prefix = "/_matrix/app/v1";
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + prefix + path
            + (query.isEmpty() ? "" : "?" + query)))
        .timeout(requestTimeout);
    if (!legacy) {
      request.header("Authorization", "Bearer " + as.hsToken());
    }
    byte[] bytes;
    try {
      bytes = body == null ? null : JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    if (bytes != null) {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofByteArray(bytes));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<byte[]> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      return new Answer(0, null, "timeout");
    } catch (IOException e) {
      return new Answer(0, null, "connection failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, null, "interrupted");
    }
    JsonNode parsed = null;
    if (response.body().length > 0) {
      try {
        parsed = JSON.readTree(response.body());
      } catch (IOException e) {
        parsed = null;
      }
    }
    for (String message : spec.validateAppServiceResponse(method, path, response.statusCode(), parsed)) {
      violations.accept(new SchemaViolation("application-service response", method, prefix + path, message));
    }
    return new Answer(response.statusCode(), parsed, null);
  }

  /** Encodes a path segment as Synapse does (urllib quote: '@', ':', '#', '!' all escaped). */
  static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
