package dev.switchboard.testkit.homeserver.accounts;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.http.Call;
import dev.switchboard.testkit.homeserver.http.HttpResponse;
import dev.switchboard.testkit.homeserver.http.Router;
import dev.switchboard.testkit.homeserver.state.Requester;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.util.List;
import java.util.Map;

/** {@code /versions}, {@code /register} and {@code /account/whoami}. */
public final class AccountRoutes {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final ServerState state;
  private final AccountService accounts;
  private final List<String> versions;

  public AccountRoutes(ServerState state, AccountService accounts, List<String> versions) {
    this.state = state;
    this.accounts = accounts;
    this.versions = versions;
  }

  public void register(Router router) {
    router.add("GET", "/_matrix/client/versions", c -> {
      ObjectNode body = NODES.objectNode();
      versions.forEach(body.putArray("versions")::add);
      body.putObject("unstable_features");
      return HttpResponse.ok(body);
    });
    router.client("POST", "/register", this::register);
    router.client("GET", "/account/whoami", c -> {
      Requester r = c.requester();
      ObjectNode body = NODES.objectNode().put("user_id", r.userId()).put("is_guest", false);
      if (!r.isAppService()) {
        body.put("device_id", "TESTKIT");
      }
      return HttpResponse.ok(body);
    });
  }

  private HttpResponse register(Call c) {
    ObjectNode body = c.json();
    String type = body.path("type").asText(null);
    String token = Auth.token(c.request());
    AppServiceRegistration as = token == null ? null : state.locked(() -> state.appServiceForToken(token));
    if ("m.login.application_service".equals(type)) {
      if (token == null) {
        throw new MatrixException(401, "M_MISSING_TOKEN", "Missing access token.");
      }
      if (as == null) {
        throw new MatrixException(401, "M_UNKNOWN_TOKEN", "Unknown access token.", Map.of("soft_logout", false));
      }
    } else if (as != null) {
      throw new MatrixException(400, "M_UNKNOWN", "Appservice token must be used with m.login.application_service");
    } else if (!"m.login.dummy".equals(body.path("auth").path("type").asText())) {
      // User-interactive auth: the dummy stage is all this server asks.
      ObjectNode uia = NODES.objectNode();
      uia.putArray("flows").addObject().putArray("stages").add("m.login.dummy");
      uia.putObject("params");
      uia.put("session", state.locked(() -> state.randomString(12)));
      return HttpResponse.json(401, uia);
    }
    String userId = accounts.register(body.path("username").asText(null), as);
    ObjectNode response = NODES.objectNode().put("user_id", userId);
    if (!body.path("inhibit_login").asBoolean(false)) {
      response.put("access_token", state.locked(() -> state.issueToken(userId)));
      response.put("device_id", "TESTKIT");
    }
    return HttpResponse.ok(response);
  }
}
