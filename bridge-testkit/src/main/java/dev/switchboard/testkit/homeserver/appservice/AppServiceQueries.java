package dev.switchboard.testkit.homeserver.appservice;

import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.state.ServerState;

/**
 * Looks users and aliases up, asking the application service whose namespace covers an unknown one first (spec:
 * "Querying" in the application-service API). The AS calls happen outside the state lock.
 */
public final class AppServiceQueries {
  private final ServerState state;
  private final AppServiceClient client;

  public AppServiceQueries(ServerState state, AppServiceClient client) {
    this.state = state;
    this.client = client;
  }

  /** Whether the local user exists, after asking the interested AS about an unknown one. */
  public boolean userExists(String userId) {
    if (state.locked(() -> state.account(userId) != null)) {
      return true;
    }
    if (!userId.endsWith(":" + state.serverName())) {
      return false;
    }
    for (AppServiceRegistration as : state.appServices()) {
      if (as.users().stream().anyMatch(n -> n.matches(userId)) && client.queryUser(as, userId)) {
        if (state.locked(() -> state.account(userId) != null)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The room an alias points to, after asking the interested AS about an unknown one; {@code null} if none. */
  public String resolveAlias(String alias) {
    String roomId = state.locked(() -> state.aliasTarget(alias));
    if (roomId != null) {
      return roomId;
    }
    for (AppServiceRegistration as : state.appServices()) {
      if (as.isInterestedInAlias(alias) && client.queryAlias(as, alias)) {
        roomId = state.locked(() -> state.aliasTarget(alias));
        if (roomId != null) {
          return roomId;
        }
      }
    }
    return null;
  }
}
