package dev.switchboard.testkit.homeserver.accounts;

import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.MatrixException;
import dev.switchboard.testkit.homeserver.state.ServerState;
import java.util.regex.Pattern;

/** Registration with Synapse's rules on user ids and application-service namespaces. */
public final class AccountService {
  private static final Pattern LOCALPART = Pattern.compile("[a-z0-9._=\\-/+]+");
  private final ServerState state;

  public AccountService(ServerState state) {
    this.state = state;
  }

  /**
   * Registers a user; {@code as} is the registering application service or {@code null} for a normal user.
   *
   * @return the new user id
   */
  public String register(String localpart, AppServiceRegistration as) {
    if (localpart == null || localpart.isEmpty()) {
      throw new MatrixException(400, "M_MISSING_PARAM", "Missing username");
    }
    if (!LOCALPART.matcher(localpart).matches()) {
      throw new MatrixException(400, "M_INVALID_USERNAME",
          "User ID can only contain characters a-z, 0-9, or '=_-./+'");
    }
    String userId = "@" + localpart + ":" + state.serverName();
    return state.locked(() -> {
      if (as != null && !as.isInterestedInUser(userId, state.serverName())) {
        throw new MatrixException(400, "M_EXCLUSIVE", "Invalid user localpart for this application service.");
      }
      AppServiceRegistration owner = state.exclusiveUserOwner(userId);
      if (owner != null && (as == null || !owner.id().equals(as.id()))) {
        throw new MatrixException(400, "M_EXCLUSIVE", "This user ID is reserved by an application service.");
      }
      if (state.account(userId) != null) {
        throw new MatrixException(400, "M_USER_IN_USE", "User ID already taken.");
      }
      state.createAccount(userId, as == null ? null : as.id());
      return userId;
    });
  }
}
