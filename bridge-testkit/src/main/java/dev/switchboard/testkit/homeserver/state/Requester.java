package dev.switchboard.testkit.homeserver.state;

import dev.switchboard.testkit.homeserver.AppServiceRegistration;

/**
 * Who made a request: the effective user, the token used, and the application service behind the token, if any.
 *
 * @param appService the AS whose {@code as_token} authenticated the request, or {@code null} for a plain user
 */
public record Requester(String userId, String accessToken, AppServiceRegistration appService) {
  public boolean isAppService() {
    return appService != null;
  }
}
