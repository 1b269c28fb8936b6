package dev.switchboard.testkit.homeserver.openid;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.state.Requester;

/**
 * {@code POST /_matrix/client/v3/user/{userId}/openid/request_token} and
 * {@code GET /_matrix/federation/v1/openid/userinfo}, as Synapse answers them.
 */
public final class OpenIdRoutes {
  private final OpenIdService openId;
  private final String serverName;

  public OpenIdRoutes(OpenIdService openId, String serverName) {
    this.openId = openId;
    this.serverName = serverName;
  }

  public void register(Router router) {
    router.client("POST", "/user/{userId}/openid/request_token", c -> {
      Requester r = c.requester();
      c.json();
      // Synapse: "Cannot request tokens for other users." (an AS may ask for the users it asserts).
      if (!r.userId().equals(c.param("userId"))) {
        throw MatrixException.forbidden("Cannot request tokens for other users.");
      }
      return HttpResponse.ok(JsonNodeFactory.instance.objectNode()
          .put("access_token", openId.issue(r.userId()))
          .put("token_type", "Bearer")
          .put("matrix_server_name", serverName)
          .put("expires_in", OpenIdService.LIFETIME.toSeconds()));
    });
    // Server-server API: no authentication but the token itself, which goes in the query string.
    router.add("GET", "/_matrix/federation/v1/openid/userinfo", c -> {
      String token = c.query("access_token");
      if (token == null || token.isEmpty()) {
        throw new MatrixException(401, "M_MISSING_TOKEN", "Missing access token.");
      }
      String userId = openId.userOf(token).orElseThrow(
          () -> new MatrixException(401, "M_UNKNOWN_TOKEN", "Access Token unknown or expired"));
      return HttpResponse.ok(JsonNodeFactory.instance.objectNode().put("sub", userId));
    });
  }
}
