package dev.switchboard.core.provisioning;

import dev.switchboard.core.http.BearerSecret;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.permission.Permissions;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Turns a request's {@code Authorization} header into a {@link Caller}:
 * <ul>
 *   <li>{@code Bearer <shared secret>}: an integration the admin configured. With {@code ?user_id=} it acts for that
 *       user, whose level then applies; without, it acts as itself with admin rights.
 *   <li>{@code Bearer openid:<token>}: a Matrix OpenID token, checked with the homeserver that issued it (the own
 *       one, or the one named by {@code ?matrix_server_name=}); its owner's level applies.
 * </ul>
 */
public final class CallerAuthentication {
  static final String OPENID_PREFIX = "openid:";

  private final BearerSecret sharedSecret;
  private final OpenIdVerifier openId;
  private final Permissions permissions;

  public CallerAuthentication(String sharedSecret, OpenIdVerifier openId, Permissions permissions) {
    if (sharedSecret.length() < ProvisioningConfig.MIN_SECRET_LENGTH) {
      throw new IllegalArgumentException("the provisioning shared secret is too short");
    }
    this.sharedSecret = new BearerSecret(sharedSecret);
    this.openId = openId;
    this.permissions = permissions;
  }

  /**
   * @param authorization the {@code Authorization} header, or null
   * @param userIdParam the {@code user_id} query parameter, or null
   * @param matrixServerName the {@code matrix_server_name} query parameter, or null: the homeserver that issued an
   *     OpenID token, when it is not the bridge's own
   */
  public CompletableFuture<Caller> authenticate(String authorization, String userIdParam, String matrixServerName) {
    String credential = BearerSecret.credential(authorization);
    if (credential == null || credential.isEmpty()) {
      return CompletableFuture.failedFuture(new ProvisioningException(401, "M_MISSING_TOKEN",
          "Send Authorization: Bearer <shared secret> or Bearer openid:<OpenID token>"));
    }
    if (credential.startsWith(OPENID_PREFIX)) {
      if (userIdParam != null) {
        return CompletableFuture.failedFuture(ProvisioningException.forbidden(
            "user_id can only be given with the shared secret; an OpenID token speaks for its owner"));
      }
      return openId.verify(credential.substring(OPENID_PREFIX.length()), Optional.ofNullable(matrixServerName))
          .thenApply(user -> new Caller(Optional.of(user), permissions.levelOf(user), Caller.Via.OPENID));
    }
    if (!sharedSecret.matches(credential)) {
      return CompletableFuture.failedFuture(new ProvisioningException(401, "M_UNKNOWN_TOKEN",
          "Wrong shared secret"));
    }
    if (userIdParam == null) {
      return CompletableFuture.completedFuture(new Caller(Optional.empty(), Level.ADMIN, Caller.Via.SHARED_SECRET));
    }
    UserId user;
    try {
      user = UserId.of(userIdParam);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(ProvisioningException.badRequest("M_INVALID_PARAM",
          "user_id is not a valid Matrix user id: " + e.getMessage()));
    }
    return CompletableFuture.completedFuture(new Caller(Optional.of(user), permissions.levelOf(user),
        Caller.Via.SHARED_SECRET));
  }
}
