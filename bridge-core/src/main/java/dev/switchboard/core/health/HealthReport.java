package dev.switchboard.core.health;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.connector.ConnectorState;
import dev.switchboard.core.homeserver.AppServicePing;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One look at the bridge's health.
 *
 * @param status {@code ok} when ready and every connector is RUNNING and the homeserver answers; {@code degraded}
 *     when ready but something is wrong; {@code unavailable} when not ready
 * @param ready the AS API listens, the database answers, the bridge is RUNNING and the ping is not failing
 * @param connectors each enabled connector's state, by protocol
 * @param inboxDepth undone inbox entries; empty when the database could not be read
 * @param problems what is wrong, one sentence each, for admins
 */
public record HealthReport(
    String status,
    boolean ready,
    BridgeState bridge,
    Map<String, ConnectorState> connectors,
    OptionalLong inboxDepth,
    boolean asApiListening,
    boolean databaseReachable,
    boolean homeserverReachable,
    AppServicePing.State ping,
    List<String> problems) {

  public static final String OK = "ok";
  public static final String DEGRADED = "degraded";
  public static final String UNAVAILABLE = "unavailable";

  /** Whether {@code /health} answers 200 (else 503). */
  public boolean healthy() {
    return status.equals(OK);
  }

  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("status", status);
    root.put("ready", ready);
    root.put("bridge", bridge.name());
    ObjectNode cs = root.putObject("connectors");
    connectors.forEach((protocol, state) -> cs.put(protocol, state.name()));
    if (inboxDepth.isPresent()) {
      root.put("inbox_depth", inboxDepth.getAsLong());
    } else {
      root.putNull("inbox_depth");
    }
    root.put("as_api_listening", asApiListening);
    root.put("database_reachable", databaseReachable);
    ObjectNode hs = root.putObject("homeserver");
    hs.put("reachable", homeserverReachable);
    hs.put("ping", ping.name());
    var list = root.putArray("problems");
    problems.forEach(list::add);
    return root;
  }
}
