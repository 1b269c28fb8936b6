package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks at start that the homeserver can reach the bridge, with {@code POST
 * /_matrix/client/v1/appservice/{appserviceId}/ping} (Matrix 1.7, Synapse 1.84). A failure is explained to the admin
 * (what to check) and the ping is retried with backoff until it succeeds; the bridge runs meanwhile. A homeserver
 * without the endpoint ({@code M_UNRECOGNIZED}, whatever the status) is noted once and not asked again.
 */
public final class AppServicePing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AppServicePing.class);
  /** The homeserver waits for our AS API before answering; give it longer than its own timeout. */
  private static final Duration PING_TIMEOUT = Duration.ofSeconds(65);
  /** The same failure is repeated at WARN every this many pings, or after this long, whichever comes first. */
  private static final int WARN_EVERY = 10;
  private static final Duration WARN_AGAIN_AFTER = Duration.ofMinutes(15);

  /** How the ping ended. */
  public enum Outcome {
    /** The homeserver reached the bridge's AS API. */
    REACHABLE,
    /** The homeserver does not know the ping endpoint; nothing was checked. */
    UNSUPPORTED
  }

  /** Where the ping stands, for {@code /health} and metrics. */
  public enum State {
    /** No answer yet. */
    CHECKING,
    /** The homeserver reached the bridge. */
    REACHABLE,
    /** The homeserver has no ping endpoint; nothing is known. */
    UNSUPPORTED,
    /** The last ping failed; it is being retried. */
    FAILING
  }

  private volatile State state = State.CHECKING;
  private volatile String problem;

  private final HomeserverClient client;
  private final String appserviceId;
  private final URI bridgeUrl;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final RandomGenerator random;
  private final RetryPolicy backoff;
  private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
  private volatile ScheduledFuture<?> next;
  private volatile boolean closed;
  private int failures;
  private String lastProblem;
  private long lastWarnAt;

  /**
   * @param appserviceId the registration's {@code id}
   * @param bridgeUrl the registration's {@code url} (the bridge's AS API), for messages to the admin
   * @param backoff the delays between pings while they fail; e.g. 1 s doubling to 5 min, forever
   */
  public AppServicePing(HomeserverClient client, String appserviceId, URI bridgeUrl,
      ScheduledExecutorService scheduler, Clock clock, RandomGenerator random, RetryPolicy backoff) {
    this.client = client;
    this.appserviceId = appserviceId;
    this.bridgeUrl = bridgeUrl;
    this.scheduler = scheduler;
    this.clock = clock;
    this.random = random;
    this.backoff = backoff;
  }

  /** The usual backoff: 1 s doubling to 5 minutes, forever. */
  public static RetryPolicy defaultBackoff() {
    return new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(5), Integer.MAX_VALUE);
  }

  /** Pings now and until it succeeds; the future completes then (it never fails, it may never complete). */
  public CompletableFuture<Outcome> start() {
    ping();
    return outcome;
  }

  private void ping() {
    if (closed || outcome.isDone()) {
      return;
    }
    long started = clock.millis();
    String txnId = "switchboard-" + started + "-" + failures;
    MatrixRequest request = MatrixRequest.post(
            MatrixRequest.path(MatrixRequest.CLIENT_V1, "appservice", appserviceId, "ping"),
            JsonNodeFactory.instance.objectNode().put("transaction_id", txnId))
        .withTimeout(PING_TIMEOUT);
    client.call(request, RetryPolicy.ONCE).whenComplete((body, error) -> {
      if (closed) {
        return;
      }
      if (error == null) {
        if (failures > 0) {
          log.info("The homeserver reaches the bridge at {} again, after {} failed ping(s) ({} ms as the homeserver "
              + "measured it)", bridgeUrl, failures, body.path("duration_ms").asLong());
        } else {
          log.info("The homeserver reaches the bridge at {} ({} ms as the homeserver measured it, {} ms round trip)",
              bridgeUrl, body.path("duration_ms").asLong(), clock.millis() - started);
        }
        state = State.REACHABLE;
        problem = null;
        outcome.complete(Outcome.REACHABLE);
        return;
      }
      Throwable cause = HomeserverClient.unwrap(error);
      // M_UNRECOGNIZED with any status: Synapse answers an unknown path 404 or 405, but 1.81 to 1.83 (modern AS
      // paths, no ping yet) answered 400; retrying would never change that.
      if (cause instanceof MatrixException m && m.is("M_UNRECOGNIZED")) {
        log.info("The homeserver predates the appservice ping endpoint (Matrix 1.7, Synapse 1.84); the bridge "
            + "carries on without checking that the homeserver can reach it at {}", bridgeUrl);
        state = State.UNSUPPORTED;
        outcome.complete(Outcome.UNSUPPORTED);
        return;
      }
      failed(explain(cause));
    });
  }

  private void failed(String problem) {
    this.state = State.FAILING;
    this.problem = problem;
    failures++;
    boolean changed = !problem.equals(lastProblem);
    lastProblem = problem;
    Duration delay = backoff.delayAfter(failures, random);
    long now = clock.millis();
    if (changed || failures % WARN_EVERY == 0 || now - lastWarnAt >= WARN_AGAIN_AFTER.toMillis()) {
      lastWarnAt = now;
      log.warn("{} (ping {} failed; trying again in {} s, the bridge runs meanwhile)", problem, failures,
          Math.max(1, delay.toSeconds()));
    } else {
      log.debug("{} (ping {} failed)", problem, failures);
    }
    if (closed) {
      return;
    }
    try {
      next = scheduler.schedule(this::ping, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      log.debug("Scheduler stopped; no more pings");
    }
  }

  /** What went wrong, and what the admin should check. */
  private String explain(Throwable cause) {
    if (cause instanceof IOException) {
      return "Cannot reach the homeserver at " + client.baseUrl() + " (" + cause.getClass().getSimpleName()
          + "): check homeserver.url and that the homeserver is running";
    }
    if (!(cause instanceof MatrixException m)) {
      return "The appservice ping failed: " + cause;
    }
    return switch (m.errcode()) {
      case "M_URL_NOT_SET" -> "The homeserver has no URL for this application service: set url: " + bridgeUrl
          + " in the registration file the homeserver loads, and restart the homeserver";
      case "M_CONNECTION_FAILED" -> "The homeserver cannot reach the bridge at " + bridgeUrl
          + ": check appservice.url (the homeserver must be able to connect to it; 127.0.0.1 is wrong when it runs "
          + "in another container or machine), and that the bridge listens there and no firewall is in the way";
      case "M_CONNECTION_TIMEOUT" -> "The homeserver timed out connecting to the bridge at " + bridgeUrl
          + ": check appservice.url and firewalls between the homeserver and the bridge";
      case "M_BAD_STATUS" -> "The homeserver reached the bridge at " + bridgeUrl + " but the bridge answered "
          + m.error() + ": check that hs_token in the homeserver's copy of the registration file matches the "
          + "bridge's, and that appservice.url points at this bridge";
      case "M_UNKNOWN_TOKEN", "M_MISSING_TOKEN" -> "The homeserver does not know the bridge's as_token ("
          + m.errcode() + "): make sure the homeserver loads this registration file (app_service_config_files in "
          + "Synapse) and was restarted after it changed";
      case "M_FORBIDDEN" -> "The homeserver refused the ping for appservice id '" + appserviceId + "' ("
          + m.error() + "): the as_token and the id must both come from the registration file the homeserver "
          + "loaded; regenerate or copy it again and restart the homeserver";
      default -> "The appservice ping failed with " + m.status() + " " + m.errcode() + ": " + m.error();
    };
  }

  public State state() {
    return state;
  }

  /** While {@link State#FAILING}: what is wrong and what to check. */
  public java.util.Optional<String> problem() {
    return state == State.FAILING ? java.util.Optional.ofNullable(problem) : java.util.Optional.empty();
  }

  @Override
  public void close() {
    closed = true;
    ScheduledFuture<?> n = next;
    if (n != null) {
      n.cancel(false);
    }
  }
}
