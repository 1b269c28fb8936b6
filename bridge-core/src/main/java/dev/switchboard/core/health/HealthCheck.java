package dev.switchboard.core.health;

import dev.switchboard.core.connector.Connector;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.connector.Connectors;
import dev.switchboard.core.homeserver.AppServicePing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes {@link HealthReport}s from the bridge's parts. Blocking (reads the database): call it off event loops.
 *
 * <p>Mapping, for supervisors: <em>ready</em> is about whether this process can take the homeserver's
 * transactions (AS API, database, lifecycle, ping); a connector outage does not make the bridge unready, since
 * restarting or routing away from it cannot bring an IRC network back, and Matrix-side work (the inbox, admin
 * commands) goes on. <em>Health</em> is stricter and meant for alerting: any connector not RUNNING (CONNECTING,
 * TRANSIENT_DISCONNECT, BAD_CREDENTIALS, ...) or an unreachable homeserver makes it {@code degraded} (503).
 */
public final class HealthCheck {
  private static final Logger log = LoggerFactory.getLogger(HealthCheck.class);

  /** Where the facts come from; each may be swapped for a fake in tests. */
  public record Sources(
      Supplier<BridgeState> bridge,
      Connectors connectors,
      BooleanSupplier asApiListening,
      BooleanSupplier databaseReachable,
      LongSupplier inboxDepth,
      BooleanSupplier homeserverReachable,
      Supplier<AppServicePing.State> ping,
      Supplier<Optional<String>> pingProblem) {}

  private final Sources sources;

  public HealthCheck(Sources sources) {
    this.sources = sources;
  }

  public HealthReport report() {
    List<String> problems = new ArrayList<>();
    BridgeState bridge = sources.bridge().get();
    if (bridge != BridgeState.RUNNING) {
      problems.add("the bridge is " + bridge);
    }
    boolean listening = safely(sources.asApiListening(), "AS API check");
    if (!listening) {
      problems.add("the application-service API is not listening");
    }
    boolean database = safely(sources.databaseReachable(), "database check");
    if (!database) {
      problems.add("the database does not answer");
    }
    OptionalLong depth = OptionalLong.empty();
    if (database) {
      try {
        depth = OptionalLong.of(sources.inboxDepth().getAsLong());
      } catch (RuntimeException e) {
        log.debug("Cannot read the inbox depth: {}", e.toString());
        problems.add("the inbox cannot be read");
      }
    }
    boolean homeserver = safely(sources.homeserverReachable(), "homeserver check");
    if (!homeserver) {
      problems.add("the homeserver does not answer");
    }
    AppServicePing.State ping = sources.ping().get();
    if (ping == AppServicePing.State.FAILING) {
      problems.add(sources.pingProblem().get().orElse("the homeserver cannot reach the bridge"));
    }
    Map<String, ConnectorState> connectors = new LinkedHashMap<>();
    boolean connectorsOk = true;
    for (Connector c : sources.connectors().all()) {
      ConnectorState state;
      try {
        state = c.state();
      } catch (RuntimeException e) {
        log.debug("Connector {} failed to report its state: {}", c.protocol(), e.toString());
        state = ConnectorState.TRANSIENT_DISCONNECT;
      }
      connectors.put(c.protocol(), state);
      if (state != ConnectorState.RUNNING) {
        connectorsOk = false;
        problems.add("connector " + c.protocol() + " is " + state);
      }
    }
    boolean ready = bridge == BridgeState.RUNNING && listening && database && ping != AppServicePing.State.FAILING;
    String status = !ready ? HealthReport.UNAVAILABLE
        : connectorsOk && homeserver ? HealthReport.OK : HealthReport.DEGRADED;
    return new HealthReport(status, ready, bridge, connectors, depth, listening, database, homeserver, ping,
        List.copyOf(problems));
  }

  private static boolean safely(BooleanSupplier check, String what) {
    try {
      return check.getAsBoolean();
    } catch (RuntimeException e) {
      log.debug("{} failed: {}", what, e.toString());
      return false;
    }
  }
}
