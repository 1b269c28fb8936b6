package dev.switchboard.core.homeserver;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Derives Matrix transaction ids from what identifies a remote message, so that sending it again (a retry, a
 * restart, a connector replaying history) reaches the homeserver with the same txn id and is not posted twice.
 */
public final class TransactionIds {
  /** 24 bytes of SHA-256: 192 bits, ample against collisions, 32 characters in base64url. */
  private static final int DIGEST_BYTES = 24;

  private TransactionIds() {}

  /**
   * The txn id for {@code key} sent by {@code sender} into {@code room} with {@code endpoint} ("send", "redact").
   * The sender is part of it because the homeserver scopes txn ids per user; the room and endpoint so that a
   * connector's key used in two rooms or for two purposes can never return another request's cached answer.
   */
  public static String derive(UserId sender, RoomId room, String endpoint, String key) {
    String input = sender.value() + "\n" + room.value() + "\n" + endpoint + "\n" + key;
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8));
      byte[] head = java.util.Arrays.copyOf(digest, DIGEST_BYTES);
      return "sb" + Base64.getUrlEncoder().withoutPadding().encodeToString(head);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
