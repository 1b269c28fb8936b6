package dev.switchboard.testkit.homeserver.membership;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;

/** Client-server membership endpoints. */
public final class MembershipRoutes {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final MembershipService membership;

  public MembershipRoutes(MembershipService membership) {
    this.membership = membership;
  }

  public void register(Router router) {
    router.client("POST", "/rooms/{roomId}/join", c -> joined(membership.join(c.requester(), c.param("roomId"),
        c.appServiceTs())));
    router.client("POST", "/join/{roomIdOrAlias}", c -> joined(membership.join(c.requester(),
        c.param("roomIdOrAlias"), c.appServiceTs())));
    router.client("POST", "/rooms/{roomId}/invite", c -> {
      ObjectNode body = c.json();
      membership.invite(c.requester(), c.param("roomId"), userId(body), reason(body), false, c.appServiceTs());
      return empty();
    });
    router.client("POST", "/rooms/{roomId}/leave", c -> {
      membership.leave(c.requester(), c.param("roomId"), reason(c.json()), c.appServiceTs());
      return empty();
    });
    router.client("POST", "/rooms/{roomId}/kick", c -> {
      ObjectNode body = c.json();
      membership.kick(c.requester(), c.param("roomId"), userId(body), reason(body), c.appServiceTs());
      return empty();
    });
    router.client("POST", "/rooms/{roomId}/ban", c -> {
      ObjectNode body = c.json();
      membership.ban(c.requester(), c.param("roomId"), userId(body), reason(body), c.appServiceTs());
      return empty();
    });
    router.client("POST", "/rooms/{roomId}/unban", c -> {
      ObjectNode body = c.json();
      membership.unban(c.requester(), c.param("roomId"), userId(body), reason(body), c.appServiceTs());
      return empty();
    });
  }

  private static HttpResponse joined(String roomId) {
    return HttpResponse.ok(NODES.objectNode().put("room_id", roomId));
  }

  private static HttpResponse empty() {
    return HttpResponse.ok(NODES.objectNode());
  }

  private static String userId(ObjectNode body) {
    if (!body.path("user_id").isTextual()) {
      throw new MatrixException(400, "M_MISSING_PARAM", "Missing user_id");
    }
    return body.get("user_id").asText();
  }

  private static String reason(ObjectNode body) {
    return body.path("reason").isTextual() ? body.get("reason").asText() : null;
  }
}
