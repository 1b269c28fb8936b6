package dev.switchboard.core.provisioning;

import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import java.util.Optional;

/**
 * Who made a provisioning request, once authenticated.
 *
 * @param user the Matrix user the request is for: the OpenID token's owner, or the {@code user_id} an integration
 *     holding the shared secret named; empty when the integration acts as itself
 * @param level the user's level from the config's permissions ({@link Level#ADMIN} for the integration itself)
 * @param via how the request authenticated
 */
public record Caller(Optional<UserId> user, Level level, Via via) {

  /** How a request authenticated. */
  public enum Via {
    /** The shared secret: an integration the admin configured; trusted to name the user it acts for. */
    SHARED_SECRET,
    /** A Matrix OpenID token, verified with the homeserver: the user themselves, e.g. from a widget. */
    OPENID
  }

  /** The integration acting on its own behalf: bridge-wide admin rights, no room checks. */
  public boolean isIntegration() {
    return user.isEmpty();
  }

  @Override
  public String toString() {
    return user.map(UserId::value).orElse("the provisioning integration") + " (" + level.configName() + ", via "
        + via.name().toLowerCase(java.util.Locale.ROOT) + ")";
  }
}
