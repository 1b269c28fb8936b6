package dev.switchboard.testkit.homeserver.accounts;

import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.http.Call;
import dev.switchboard.testkit.homeserver.http.HttpRequest;
import dev.switchboard.testkit.homeserver.state.Requester;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.util.Map;

/**
 * Access tokens: {@code Authorization: Bearer} or the legacy {@code ?access_token=}; an AS token may assert any
 * registered user of its namespaces with {@code ?user_id=} (spec: identity assertion; Synapse's error texts).
 */
public final class Auth implements Call.Authenticator {
  private final ServerState state;

  public Auth(ServerState state) {
    this.state = state;
  }

  public static String token(HttpRequest request) {
    String header = request.header("authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    return request.queryParam("access_token");
  }

  @Override
  public Requester authenticate(HttpRequest request) {
    String token = token(request);
    if (token == null) {
      throw new MatrixException(401, "M_MISSING_TOKEN", "Missing access token.");
    }
    return state.locked(() -> {
      AppServiceRegistration as = state.appServiceForToken(token);
      if (as != null) {
        String asserted = request.queryParam("user_id");
        String userId = asserted == null ? as.senderUserId(state.serverName()) : asserted;
        if (!as.isInterestedInUser(userId, state.serverName())) {
          throw MatrixException.forbidden("Application service cannot masquerade as this user (" + userId + ").");
        }
        if (state.account(userId) == null) {
          throw MatrixException.forbidden("Application service has not registered this user (" + userId + ")");
        }
        return new Requester(userId, token, as);
      }
      String userId = state.userForToken(token);
      if (userId == null) {
        throw new MatrixException(401, "M_UNKNOWN_TOKEN", "Unknown access token.", Map.of("soft_logout", false));
      }
      return new Requester(userId, token, null);
    });
  }
}
