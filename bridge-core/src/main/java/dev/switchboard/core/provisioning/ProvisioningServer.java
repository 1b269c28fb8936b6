package dev.switchboard.core.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.http.HttpAnswer;
import dev.switchboard.core.http.HttpListener;
import dev.switchboard.core.http.ListenerLimits;
import dev.switchboard.core.http.RequestCheck;
import dev.switchboard.core.failure.Failures;
import dev.switchboard.core.id.RoomId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provisioning API's HTTP listener: the shared {@link HttpListener} pipeline with authentication on the request
 * head ({@link CallerCheck}, with back-off for addresses that keep failing), then routing, CORS and the endpoint,
 * which runs on the blocking executor, never on the event loop. Every answer is JSON; errors carry a
 * Matrix-style {@code errcode} and {@code error}. Paths are under {@link #PREFIX}; see
 * {@code docs/provisioning-openapi.yaml}.
 */
public final class ProvisioningServer implements AutoCloseable {
  public static final String PREFIX = "/_switchboard/provisioning/v1";
  private static final Logger log = LoggerFactory.getLogger(ProvisioningServer.class);
  private static final int MAX_BODY = 64 * 1024;
  static final int DEFAULT_FREE_FAILURES = 5;
  static final java.time.Duration BACKOFF_FIRST = java.time.Duration.ofSeconds(1);
  static final java.time.Duration BACKOFF_CAP = java.time.Duration.ofMinutes(5);
  /** Every route, for the check that {@code docs/provisioning-openapi.yaml} documents exactly these. */
  static final List<String> ROUTES = List.of("GET /whoami", "GET /networks", "GET /remote", "GET /links",
      "GET /rooms/{roomId}/links", "POST /rooms/{roomId}/links", "DELETE /rooms/{roomId}/links");

  private final HttpListener listener;

  private ProvisioningServer(HttpListener listener) {
    this.listener = listener;
  }

  /**
   * Binds and serves; {@code port} 0 picks a free port (see {@link #port()}).
   *
   * @param failedAuthLimit failed authentications from one address before it is made to wait; 0 never
   */
  public static ProvisioningServer start(String bind, int port, ListenerLimits limits, int failedAuthLimit,
      ProvisioningApi api, CallerAuthentication auth, Executor blocking, ObjectMapper json, MeterRegistry metrics)
      throws InterruptedException {
    AuthBackoff backoff = new AuthBackoff(failedAuthLimit, BACKOFF_FIRST, BACKOFF_CAP, java.time.Clock.systemUTC());
    Routes routes = new Routes(api, blocking, json, metrics);
    ProvisioningServer server = new ProvisioningServer(HttpListener.bind(new HttpListener.Spec("Provisioning API",
        bind, port, 1, limits, MAX_BODY, new CallerCheck(auth, backoff, blocking, routes),
        pipeline -> pipeline.addLast("routes", routes), Routes::cors)));
    log.info("Provisioning API listening on http://{}:{}{}", bind, server.port(), PREFIX);
    return server;
  }

  public int port() {
    return listener.port();
  }

  @Override
  public void close() {
    listener.close();
  }

  private static HttpAnswer error(int status, String errcode, String message) {
    return HttpAnswer.error(HttpResponseStatus.valueOf(status), errcode, message);
  }

  /** One request, parsed at the edge. */
  private record Request(HttpMethod method, List<String> segments, Map<String, List<String>> query,
      ObjectNode body) {
    Optional<String> param(String name) {
      List<String> values = query.get(name);
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
  }

  /** An endpoint: its name for metrics and what it does for an authenticated caller. */
  private record Endpoint(String name, Function<Caller, CompletableFuture<ObjectNode>> call) {}

  /**
   * Authenticates on the request head, before the body is read (CORS preflights need no credentials): a refused
   * caller never gets to send a body, and an address that keeps failing waits ({@link AuthBackoff}).
   */
  private record CallerCheck(CallerAuthentication auth, AuthBackoff backoff, Executor blocking, Routes routes)
      implements RequestCheck {
    @Override
    public CompletionStage<Verdict> check(HttpRequest head, SocketAddress remote) {
      if (head.method().equals(HttpMethod.OPTIONS)) {
        return CompletableFuture.completedFuture(new Verdict.Admit(null));
      }
      InetAddress address = remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
      Optional<java.time.Duration> wait = address == null ? Optional.empty() : backoff.blocked(address);
      if (wait.isPresent()) {
        long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
        routes.count("unknown", 429);
        FullHttpResponse answer = HttpAnswer.json(HttpResponseStatus.TOO_MANY_REQUESTS,
            JsonNodeFactory.instance.objectNode().put("errcode", "M_LIMIT_EXCEEDED")
                .put("error", "Too many failed authentications from your address; try again later")
                .put("retry_after_ms", seconds * 1000), routes.json).response(Routes::cors);
        answer.headers().set(HttpHeaderNames.RETRY_AFTER, seconds);
        return CompletableFuture.completedFuture(new Verdict.Refuse(answer));
      }
      QueryStringDecoder query = new QueryStringDecoder(head.uri());
      String endpoint = Routes.endpointName(head.method(), query.rawPath());
      String authorization = head.headers().get(HttpHeaderNames.AUTHORIZATION);
      CompletableFuture<Verdict> verdict;
      try {
        verdict = CompletableFuture.supplyAsync(() -> null, blocking)
            .thenCompose(ignored -> auth.authenticate(authorization, first(query, "user_id"),
                first(query, "matrix_server_name")))
            .handle((caller, error) -> {
              if (error == null) {
                if (address != null) {
                  backoff.succeeded(address);
                }
                return new Verdict.Admit(caller);
              }
              Throwable cause = Failures.rootCause(error);
              if (!(cause instanceof ProvisioningException e)) {
                log.warn("Provisioning authentication failed: {}", Failures.rootMessage(error));
                routes.count(endpoint, 500);
                return new Verdict.Refuse(error(500, "M_UNKNOWN", "Internal error; the bridge's log has the details")
                    .response(Routes::cors));
              }
              if (e.status() == 401 && address != null) {
                backoff.failed(address);
              }
              routes.count(endpoint, e.status());
              return new Verdict.Refuse(error(e.status(), e.errcode(), e.getMessage()).response(Routes::cors));
            });
      } catch (RejectedExecutionException stopping) {
        verdict = CompletableFuture.completedFuture(new Verdict.Refuse(
            error(503, "M_UNKNOWN", "The bridge is stopping").response(Routes::cors)));
      }
      return verdict;
    }

    private static String first(QueryStringDecoder query, String name) {
      List<String> values = query.parameters().get(name);
      return values == null || values.isEmpty() ? null : values.get(0);
    }
  }

  @ChannelHandler.Sharable
  private static final class Routes extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final ProvisioningApi api;
    private final Executor blocking;
    private final ObjectMapper json;
    private final MeterRegistry metrics;

    Routes(ProvisioningApi api, Executor blocking, ObjectMapper json, MeterRegistry metrics) {
      this.api = api;
      this.blocking = blocking;
      this.json = json;
      this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest http) {
      boolean keepAlive = HttpUtil.isKeepAlive(http);
      if (http.method().equals(HttpMethod.OPTIONS)) {
        // CORS preflight from a widget: credentials travel in the Authorization header, never in cookies.
        write(ctx, HttpAnswer.empty(HttpResponseStatus.NO_CONTENT), keepAlive);
        return;
      }
      QueryStringDecoder decoder = new QueryStringDecoder(http.uri());
      String rawPath = decoder.rawPath();
      if (!rawPath.startsWith(PREFIX + "/")) {
        count("unknown", 404);
        write(ctx, error(404, "M_UNRECOGNIZED", "Unrecognized request; the API is under " + PREFIX),
            keepAlive);
        return;
      }
      List<String> segments;
      ObjectNode body;
      try {
        segments = segments(rawPath.substring(PREFIX.length() + 1));
        body = body(http);
      } catch (ProvisioningException e) {
        write(ctx, error(e.status(), e.errcode(), e.getMessage()), keepAlive);
        return;
      }
      Request request = new Request(http.method(), segments, decoder.parameters(), body);
      Caller caller = HttpListener.admitted(ctx, Caller.class);
      if (caller == null) {
        write(ctx, error(500, "M_UNKNOWN", "Internal error: the request was not authenticated"), false);
        return;
      }
      Endpoint endpoint;
      try {
        endpoint = route(request);
      } catch (ProvisioningException e) {
        count("unknown", e.status());
        write(ctx, error(e.status(), e.errcode(), e.getMessage()), keepAlive);
        return;
      }
      CompletableFuture<HttpAnswer> answer;
      try {
        // The caller was authenticated on the request head (CallerCheck), before the body was read.
        answer = CompletableFuture.supplyAsync(() -> caller, blocking)
            .thenCompose(c -> endpoint.call().apply(c))
            .thenApply(result -> HttpAnswer.json(HttpResponseStatus.OK, result, json));
      } catch (RejectedExecutionException stopping) {
        answer = CompletableFuture.completedFuture(error(503, "M_UNKNOWN", "The bridge is stopping"));
      }
      answer.exceptionally(error -> {
        Throwable cause = Failures.rootCause(error);
        if (cause instanceof ProvisioningException e) {
          return error(e.status(), e.errcode(), e.getMessage());
        }
        log.warn("Provisioning {} failed: {}", endpoint.name(), Failures.rootMessage(error));
        return error(500, "M_UNKNOWN", "Internal error; the bridge's log has the details");
      }).thenAccept(a -> {
        count(endpoint.name(), a.status().code());
        write(ctx, a, keepAlive);
      });
    }

    private Endpoint route(Request r) {
      List<String> s = r.segments();
      HttpMethod m = r.method();
      if (s.size() == 1 && s.get(0).equals("whoami")) {
        return only(m, HttpMethod.GET, new Endpoint("whoami", api::whoami));
      }
      if (s.size() == 1 && s.get(0).equals("networks")) {
        return only(m, HttpMethod.GET, new Endpoint("networks", api::networks));
      }
      if (s.size() == 1 && s.get(0).equals("remote")) {
        return only(m, HttpMethod.GET, new Endpoint("remote", c -> api.remoteRoom(c,
            required(r.param("protocol"), "protocol"), required(r.param("remote_room"), "remote_room"))));
      }
      if (s.size() == 1 && s.get(0).equals("links")) {
        return only(m, HttpMethod.GET, new Endpoint("links", c -> api.allLinks(c, r.param("protocol"))));
      }
      if (s.size() == 3 && s.get(0).equals("rooms") && s.get(2).equals("links")) {
        // Parameters are read inside the endpoint, after authentication: a caller without credentials learns
        // nothing about what a request would need.
        String rawRoom = s.get(1);
        if (m.equals(HttpMethod.GET)) {
          return new Endpoint("room_links", c -> api.linksOfRoom(c, roomId(rawRoom)));
        }
        if (m.equals(HttpMethod.POST)) {
          return new Endpoint("link", c -> api.link(c, roomId(rawRoom), required(text(r.body(), "protocol"),
              "protocol"), required(text(r.body(), "remote_room"), "remote_room")));
        }
        if (m.equals(HttpMethod.DELETE)) {
          return new Endpoint("unlink", c -> api.unlink(c, roomId(rawRoom),
              required(r.param("protocol").or(() -> text(r.body(), "protocol")), "protocol"),
              required(r.param("remote_room").or(() -> text(r.body(), "remote_room")), "remote_room")));
        }
        throw new ProvisioningException(405, "M_UNRECOGNIZED", "Use GET, POST or DELETE here");
      }
      throw new ProvisioningException(404, "M_UNRECOGNIZED", "Unrecognized request");
    }

    /**
     * The metrics name of the endpoint a request head addresses, from the fixed set {@link #route} knows, else
     * {@code unknown}: refusals before the body is read are counted by endpoint too, and a caller's path never
     * becomes a tag value.
     */
    static String endpointName(HttpMethod m, String rawPath) {
      if (!rawPath.startsWith(PREFIX + "/")) {
        return "unknown";
      }
      List<String> s;
      try {
        s = segments(rawPath.substring(PREFIX.length() + 1));
      } catch (RuntimeException e) {
        return "unknown";
      }
      if (s.size() == 1 && List.of("whoami", "networks", "remote", "links").contains(s.get(0))) {
        return s.get(0);
      }
      if (s.size() == 3 && s.get(0).equals("rooms") && s.get(2).equals("links")) {
        return m.equals(HttpMethod.GET) ? "room_links" : m.equals(HttpMethod.POST) ? "link"
            : m.equals(HttpMethod.DELETE) ? "unlink" : "unknown";
      }
      return "unknown";
    }

    private static Endpoint only(HttpMethod actual, HttpMethod allowed, Endpoint endpoint) {
      if (!actual.equals(allowed)) {
        throw new ProvisioningException(405, "M_UNRECOGNIZED", "Use " + allowed + " here");
      }
      return endpoint;
    }

    private static Optional<String> text(ObjectNode body, String field) {
      JsonNode v = body.path(field);
      return v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
    }

    private static String required(Optional<String> value, String name) {
      return value.filter(v -> !v.isBlank()).orElseThrow(() -> ProvisioningException.badRequest("M_MISSING_PARAM",
          name + " is required"));
    }

    private static RoomId roomId(String raw) {
      try {
        return RoomId.of(raw);
      } catch (IllegalArgumentException e) {
        throw ProvisioningException.badRequest("M_INVALID_PARAM", "Not a room id: " + e.getMessage());
      }
    }

    private ObjectNode body(FullHttpRequest http) {
      if (http.content().readableBytes() == 0) {
        return JsonNodeFactory.instance.objectNode();
      }
      JsonNode node;
      try (ByteBufInputStream in = new ByteBufInputStream(http.content().duplicate())) {
        node = json.readTree((java.io.InputStream) in);
      } catch (IOException e) {
        throw ProvisioningException.badRequest("M_NOT_JSON", "The body is not JSON");
      }
      if (!(node instanceof ObjectNode object)) {
        throw ProvisioningException.badRequest("M_BAD_JSON", "The body must be a JSON object");
      }
      return object;
    }

    /** Splits the raw path and percent-decodes each segment ({@code +} stays a plus, as in paths it should). */
    private static List<String> segments(String rawPath) {
      String[] parts = rawPath.split("/", -1);
      java.util.ArrayList<String> out = new java.util.ArrayList<>(parts.length);
      for (String p : parts) {
        out.add(percentDecode(p));
      }
      return out;
    }

    private static String percentDecode(String s) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '%') {
          if (i + 2 >= s.length()) {
            throw ProvisioningException.badRequest("M_INVALID_PARAM", "Bad percent-encoding in the path");
          }
          int hi = Character.digit(s.charAt(i + 1), 16);
          int lo = Character.digit(s.charAt(i + 2), 16);
          if (hi < 0 || lo < 0) {
            throw ProvisioningException.badRequest("M_INVALID_PARAM", "Bad percent-encoding in the path");
          }
          bytes.write(hi * 16 + lo);
          i += 2;
        } else {
          byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
          bytes.write(b, 0, b.length);
        }
      }
      return bytes.toString(StandardCharsets.UTF_8);
    }

    void count(String endpoint, int status) {
      try {
        Counter.builder("switchboard.provisioning.requests")
            .description("Provisioning API requests by endpoint and HTTP status")
            .tags("endpoint", endpoint, "status", Integer.toString(status))
            .register(metrics)
            .increment();
      } catch (RuntimeException e) {
        log.debug("Could not count a provisioning request: {}", e.toString());
      }
    }

    private static void write(ChannelHandlerContext ctx, HttpAnswer answer, boolean keepAlive) {
      answer.writeTo(ctx, keepAlive, Routes::cors);
    }

    /** Every answer, errors included, is readable by a widget in a browser. */
    static void cors(HttpHeaders headers) {
      headers.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
      headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, DELETE, OPTIONS");
      headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type");
    }
  }
}
