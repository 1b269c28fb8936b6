package dev.switchboard.core.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.health.HealthCheck;
import dev.switchboard.core.http.HttpAnswer;
import dev.switchboard.core.http.HttpListener;
import dev.switchboard.core.http.ListenerLimits;
import dev.switchboard.core.http.RequestCheck;
import dev.switchboard.core.health.HealthReport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator listener, separate from the AS API: {@code GET /metrics} (Prometheus text format), {@code /health}
 * (JSON; 200 when {@code ok}, else 503), {@code /health/live} (200 while the process serves) and
 * {@code /health/ready} (200 when ready, else 503). No authentication: bind it to loopback or a private network.
 * Scrapes and health checks read the database, so they run on the blocking executor, never on the event loop.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  /** Longer than a health check should ever take; supervisors get 503 rather than a hang. */
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

  private final HttpListener listener;

  private MetricsServer(HttpListener listener) {
    this.listener = listener;
  }

  /** Binds and serves with the default limits; {@code port} 0 picks a free port (see {@link #port()}). */
  public static MetricsServer start(String bind, int port, PrometheusMeterRegistry registry, HealthCheck health,
      Executor blocking, ObjectMapper json) throws InterruptedException {
    return start(bind, port, ListenerLimits.METRICS, registry, health, blocking, json);
  }

  /** Binds and serves; {@code port} 0 picks a free port (see {@link #port()}). */
  public static MetricsServer start(String bind, int port, ListenerLimits limits, PrometheusMeterRegistry registry,
      HealthCheck health, Executor blocking, ObjectMapper json) throws InterruptedException {
    Routes routes = new Routes(registry, health, blocking, json);
    // Requests are bodiless GETs: 8 KiB is room for a client that sends one anyway.
    MetricsServer server = new MetricsServer(HttpListener.bind(new HttpListener.Spec("Metrics", bind, port, 1,
        limits, 8 * 1024, RequestCheck.ADMIT_ALL, pipeline -> pipeline.addLast("routes", routes), headers -> { })));
    log.info("Metrics and health listening on http://{}:{}/metrics and /health", bind, server.port());
    return server;
  }

  public int port() {
    return listener.port();
  }

  @Override
  public void close() {
    listener.close();
  }

  @ChannelHandler.Sharable
  private static final class Routes extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final PrometheusMeterRegistry registry;
    private final HealthCheck health;
    private final Executor blocking;
    private final ObjectMapper json;

    Routes(PrometheusMeterRegistry registry, HealthCheck health, Executor blocking, ObjectMapper json) {
      this.registry = registry;
      this.health = health;
      this.blocking = blocking;
      this.json = json;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      String path = new QueryStringDecoder(request.uri()).path();
      boolean known = switch (path) {
        case "/metrics", "/health", "/health/live", "/health/ready" -> true;
        default -> false;
      };
      if (!known) {
        write(ctx, HttpAnswer.text(HttpResponseStatus.NOT_FOUND, "not found; try /metrics, /health, /health/live, "
            + "/health/ready\n"), keepAlive);
        return;
      }
      if (!request.method().equals(HttpMethod.GET)) {
        write(ctx, HttpAnswer.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n"), keepAlive);
        return;
      }
      if (path.equals("/health/live")) {
        // Answering at all is the proof of life; nothing else is checked.
        write(ctx, jsonAnswer(HttpResponseStatus.OK, JsonNodeFactory.instance.objectNode().put("status", "up")),
            keepAlive);
        return;
      }
      Supplier<HttpAnswer> work = switch (path) {
        case "/metrics" -> () -> new HttpAnswer(HttpResponseStatus.OK, PROMETHEUS_TEXT,
            registry.scrape().getBytes(StandardCharsets.UTF_8));
        case "/health/ready" -> () -> {
          HealthReport r = health.report();
          return jsonAnswer(r.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
              JsonNodeFactory.instance.objectNode().put("ready", r.ready()).put("bridge", r.bridge().name()));
        };
        default -> () -> {
          HealthReport r = health.report();
          return jsonAnswer(r.healthy() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
              r.toJson());
        };
      };
      CompletableFuture<HttpAnswer> answer;
      try {
        answer = CompletableFuture.supplyAsync(work, blocking);
      } catch (RejectedExecutionException stopping) {
        answer = CompletableFuture.completedFuture(
            HttpAnswer.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "stopping\n"));
      }
      answer.orTimeout(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .exceptionally(err -> {
            log.warn("{} failed: {}", path, err.toString());
            return HttpAnswer.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "check failed or timed out\n");
          })
          .thenAccept(a -> write(ctx, a, keepAlive));
    }

    private HttpAnswer jsonAnswer(HttpResponseStatus status, Object body) {
      return HttpAnswer.json(status, body, json);
    }

    /** Health and metrics change from one request to the next: nothing in between may keep an answer. */
    private static void write(ChannelHandlerContext ctx, HttpAnswer answer, boolean keepAlive) {
      answer.writeTo(ctx, keepAlive, headers -> headers.set(HttpHeaderNames.CACHE_CONTROL, "no-store"));
    }
  }
}
