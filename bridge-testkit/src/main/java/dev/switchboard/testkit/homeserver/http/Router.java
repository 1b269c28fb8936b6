package dev.switchboard.testkit.homeserver.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Maps method and path template ({@code /rooms/{roomId}/send/{eventType}/{txnId}}) to handlers. */
public final class Router {
  /** Handles one routed call; throws {@link dev.switchboard.testkit.homeserver.MatrixException} for errors. */
  @FunctionalInterface
  public interface Handler {
    HttpResponse handle(Call call) throws Exception;
  }

  /** A route that matched, with decoded path parameters. */
  public record Match(Handler handler, Map<String, String> params, String template) {}

  private record Route(String method, String[] segments, String template, Handler handler) {}

  /** Prefixes under which Synapse serves the client-server API (r0 is still accepted for most endpoints). */
  public static final List<String> CLIENT_PREFIXES = List.of("/_matrix/client/v3", "/_matrix/client/r0");

  private final List<Route> routes = new ArrayList<>();

  public Router add(String method, String template, Handler handler) {
    routes.add(new Route(method, template.split("/", -1), template, handler));
    return this;
  }

  /** Adds a client-server route under {@code /_matrix/client/v3} and {@code /_matrix/client/r0}. */
  public Router client(String method, String template, Handler handler) {
    for (String prefix : CLIENT_PREFIXES) {
      add(method, prefix + template, handler);
    }
    return this;
  }

  /** The route for the request, or empty; {@code methodMismatch[0]} tells whether only the method differed. */
  public Optional<Match> find(String method, String rawPath, boolean[] methodMismatch) {
    String[] path = rawPath.split("/", -1);
    for (Route route : routes) {
      Map<String, String> params = match(route.segments(), path);
      if (params == null) {
        continue;
      }
      if (!route.method().equals(method)) {
        methodMismatch[0] = true;
        continue;
      }
      return Optional.of(new Match(route.handler(), params, route.template()));
    }
    return Optional.empty();
  }

  private static Map<String, String> match(String[] template, String[] path) {
    if (template.length != path.length) {
      return null;
    }
    Map<String, String> params = new HashMap<>();
    for (int i = 0; i < template.length; i++) {
      String t = template[i];
      if (t.startsWith("{") && t.endsWith("}")) {
        params.put(t.substring(1, t.length() - 1), HttpRequest.decodeSegment(path[i]));
      } else if (!t.equals(path[i])) {
        return null;
      }
    }
    return params;
  }
}
