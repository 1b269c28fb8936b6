package dev.switchboard.testkit.homeserver.presence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.state.Requester;
import java.time.Clock;

/** {@code PUT} and {@code GET /presence/{userId}/status}. */
public final class PresenceRoutes {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final PresenceService presence;
  private final Clock clock;

  public PresenceRoutes(PresenceService presence, Clock clock) {
    this.presence = presence;
    this.clock = clock;
  }

  public void register(Router router) {
    router.client("PUT", "/presence/{userId}/status", c -> {
      Requester requester = c.requester();
      ObjectNode body = c.json();
      JsonNode state = body.path("presence");
      JsonNode message = body.path("status_msg");
      if (!state.isTextual()) {
        throw new MatrixException(400, "M_MISSING_PARAM", "Missing presence");
      }
      if (!message.isMissingNode() && !message.isNull() && !message.isTextual()) {
        throw MatrixException.badJson("status_msg must be a string");
      }
      presence.set(requester, c.param("userId"), state.asText(), message.isTextual() ? message.asText() : null);
      return HttpResponse.ok(NODES.objectNode());
    });
    router.client("GET", "/presence/{userId}/status", c -> {
      c.requester();
      Presence p = presence.get(c.param("userId"));
      ObjectNode body = NODES.objectNode().put("presence", p.presence());
      if (p.lastActiveTs() > 0) {
        body.put("last_active_ago", Math.max(0, clock.millis() - p.lastActiveTs()));
      }
      if (p.statusMsg() != null) {
        body.put("status_msg", p.statusMsg());
      }
      body.put("currently_active", "online".equals(p.presence()));
      return HttpResponse.ok(body);
    });
  }
}
