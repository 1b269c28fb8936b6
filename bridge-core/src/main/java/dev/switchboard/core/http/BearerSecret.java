package dev.switchboard.core.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A secret a client proves it knows with {@code Authorization: Bearer <secret>} (the AS API's {@code hs_token}, the
 * provisioning shared secret). Held only as its SHA-256 digest and compared digest to digest with
 * {@link MessageDigest#isEqual}, so the time a check takes says nothing about the secret's length or how much of a
 * guess matched.
 */
public final class BearerSecret {
  private static final String BEARER = "Bearer ";

  private final byte[] digest;

  public BearerSecret(String secret) {
    this.digest = sha256(secret);
  }

  /** Whether {@code given} is the secret. */
  public boolean matches(String given) {
    return MessageDigest.isEqual(digest, sha256(given));
  }

  /**
   * The credential of an {@code Authorization} header of the {@code Bearer} scheme (any case), trimmed and possibly
   * empty; null when the header is missing or of another scheme.
   */
  public static String credential(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return authorization.substring(BEARER.length()).trim();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
