package dev.switchboard.testkit.homeserver.state;

/**
 * A local user and their profile.
 *
 * @param appServiceId the AS that registered the user, or {@code null} for a normal user
 */
public record Account(String userId, String appServiceId, String displayName, String avatarUrl) {
  public Account withDisplayName(String name) {
    return new Account(userId, appServiceId, name, avatarUrl);
  }

  public Account withAvatarUrl(String url) {
    return new Account(userId, appServiceId, displayName, url);
  }
}
