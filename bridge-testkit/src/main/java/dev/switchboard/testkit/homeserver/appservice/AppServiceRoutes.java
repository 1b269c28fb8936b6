package dev.switchboard.testkit.homeserver.appservice;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.http.Call;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import java.time.Duration;
import java.util.Map;

/**
 * {@code POST /_matrix/client/v1/appservice/{appserviceId}/ping} (Matrix 1.7; absent in legacy mode). A homeserver
 * of Synapse 1.81 to 1.83 has the modern AS paths but not this one, and answers it 400 {@code M_UNRECOGNIZED}.
 */
public final class AppServiceRoutes {
  private final AppServiceClient client;
  private final Duration pingTimeout;
  private final boolean pingEndpoint;

  /** @param pingEndpoint false: the ping answers 400 {@code M_UNRECOGNIZED}, as before Synapse 1.84 */
  public AppServiceRoutes(AppServiceClient client, Duration pingTimeout, boolean pingEndpoint) {
    this.client = client;
    this.pingTimeout = pingTimeout;
    this.pingEndpoint = pingEndpoint;
  }

  public void register(Router router) {
    router.add("POST", "/_matrix/client/v1/appservice/{appserviceId}/ping", this::ping);
  }

  private HttpResponse ping(Call c) {
    if (!pingEndpoint) {
      throw new MatrixException(400, "M_UNRECOGNIZED", "Unrecognized request");
    }
    AppServiceRegistration as = c.requester().appService();
    if (as == null || !as.id().equals(c.param("appserviceId"))) {
      throw MatrixException.forbidden("Provided token does not belong to application service "
          + c.param("appserviceId"));
    }
    if (as.url() == null) {
      throw new MatrixException(400, "M_URL_NOT_SET", "Application service URL is not set.");
    }
    ObjectNode body = c.json();
    long start = System.nanoTime();
    AppServiceClient.Answer answer = client.ping(as, body.path("transaction_id").asText(null), pingTimeout);
    long durationMs = (System.nanoTime() - start) / 1_000_000;
    if (answer.timedOut()) {
      throw new MatrixException(504, "M_CONNECTION_TIMEOUT", "Connection to application service timed out");
    }
    if (answer.status() == 0) {
      throw new MatrixException(502, "M_CONNECTION_FAILED", "Failed to connect to application service");
    }
    if (!answer.ok()) {
      throw new MatrixException(502, "M_BAD_STATUS", "Application service responded with an error status",
          Map.of("status", answer.status(), "body", answer.body() == null ? "" : answer.body().toString()));
    }
    return HttpResponse.ok(JsonNodeFactory.instance.objectNode().put("duration_ms", durationMs));
  }
}
