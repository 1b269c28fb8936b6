package dev.switchboard.testkit.homeserver.openid;

import dev.switchboard.testkit.homeserver.state.ServerState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenID tokens (spec: client-server "OpenID", server-server "OpenID"): a user asks for one, hands it to a third
 * party (the bridge's provisioning API), which exchanges it for the user id at the federation userinfo endpoint.
 * The tokens are good for nothing else.
 */
public final class OpenIdService {
  /** Synapse's default lifetime. */
  public static final Duration LIFETIME = Duration.ofHours(1);

  private record Grant(String userId, Instant expires) {}

  private final ServerState state;
  private final Clock clock;
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();

  public OpenIdService(ServerState state, Clock clock) {
    this.state = state;
    this.clock = clock;
  }

  /** A fresh token for {@code userId}. */
  public String issue(String userId) {
    String token = "oid_" + state.locked(() -> state.randomString(24));
    grants.put(token, new Grant(userId, clock.instant().plus(LIFETIME)));
    return token;
  }

  /** The user a token was issued to, while it is valid. */
  public Optional<String> userOf(String token) {
    Grant g = token == null ? null : grants.get(token);
    if (g == null || !clock.instant().isBefore(g.expires())) {
      return Optional.empty();
    }
    return Optional.of(g.userId());
  }

  /** Makes every token invalid, as a homeserver does when it forgets them (restart, expiry). */
  public void revokeAll() {
    grants.clear();
  }
}
