package dev.switchboard.testkit.homeserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.state.Requester;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** One routed request: the request, its decoded path parameters, and its (lazily) authenticated requester. */
public final class Call {
  /** Turns a request's credentials into a requester, or throws the spec's 401/403. */
  public interface Authenticator {
    Requester authenticate(HttpRequest request);
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpRequest request;
  private final Map<String, String> params;
  private final Authenticator authenticator;
  private Requester requester;

  public Call(HttpRequest request, Map<String, String> params, Authenticator authenticator) {
    this.request = request;
    this.params = Map.copyOf(params);
    this.authenticator = authenticator;
  }

  public HttpRequest request() {
    return request;
  }

  public String param(String name) {
    return params.get(name);
  }

  public String query(String name) {
    return request.queryParam(name);
  }

  public Requester requester() {
    if (requester == null) {
      requester = authenticator.authenticate(request);
    }
    return requester;
  }

  /** The requester if this call authenticated one (for the request log). */
  public Requester requesterIfKnown() {
    return requester;
  }

  /** {@code ?ts=} is honoured for application services only (spec: timestamp massaging). */
  public Long appServiceTs() {
    String ts = query("ts");
    if (ts == null || !requester().isAppService()) {
      return null;
    }
    try {
      return Long.parseLong(ts);
    } catch (NumberFormatException e) {
      throw MatrixException.invalidParam("ts must be an integer");
    }
  }

  /**
   * The idempotency key of a PUT with a transaction id: Synapse keys by request path and access token; for an AS
   * that is the AS itself, whichever user it asserts with {@code ?user_id=}.
   */
  public Object transactionKey() {
    Requester r = requester();
    return r.isAppService() ? List.of(request.path(), "appservice", r.appService().id())
        : List.of(request.path(), "user", r.userId(), r.accessToken());
  }

  /** The body as a JSON object; an empty body is {@code {}} as Synapse treats it. */
  public ObjectNode json() {
    if (request.body().length == 0) {
      return JSON.createObjectNode();
    }
    JsonNode node;
    try {
      node = JSON.readTree(request.body());
    } catch (IOException e) {
      throw new MatrixException(400, "M_NOT_JSON", "Content not JSON.");
    }
    if (!(node instanceof ObjectNode object)) {
      throw new MatrixException(400, "M_BAD_JSON", "Content must be a JSON object.");
    }
    return object;
  }
}
