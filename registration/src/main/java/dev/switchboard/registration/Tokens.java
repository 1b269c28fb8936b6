package dev.switchboard.registration;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.nio.charset.StandardCharsets;

/** Generates and compares the secrets shared with the homeserver. */
public final class Tokens {
  /** 256 bits, as the registration issue requires at least that much entropy per token. */
  public static final int TOKEN_BYTES = 32;

  private final SecureRandom random;

  public Tokens(SecureRandom random) {
    this.random = random;
  }

  /** A fresh token: 32 random bytes as 64 hex characters. */
  public String generate() {
    byte[] bytes = new byte[TOKEN_BYTES];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Compares two tokens in time independent of where they differ. Null never matches. */
  public static boolean constantTimeEquals(String expected, String given) {
    if (expected == null || given == null) {
      return false;
    }
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }
}
