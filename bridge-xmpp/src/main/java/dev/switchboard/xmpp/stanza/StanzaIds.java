package dev.switchboard.xmpp.stanza;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Stanza ids derived from Matrix ids: stable across retries (a repeat sends the same id), nothing to escape. */
public final class StanzaIds {
  private StanzaIds() {}

  /** {@code mx-} and 32 hex digits of the SHA-256 of the Matrix id (the same scheme as MUC portals). */
  public static String of(String matrixId) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(matrixId.getBytes(StandardCharsets.UTF_8));
      return "mx-" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
