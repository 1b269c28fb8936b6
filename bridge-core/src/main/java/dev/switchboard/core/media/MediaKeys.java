package dev.switchboard.core.media;

import dev.switchboard.core.store.KeyFile;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The key media links are signed with: its own file beside the secret key ({@code bridge.key} →
 * {@code bridge.media.key}), generated on first start. Separate from the secret key so it can be rotated alone:
 * a new key ends every link handed out before, and nothing else.
 */
public final class MediaKeys {
  private MediaKeys() {}

  /** {@code data/bridge.key} → {@code data/bridge.media.key}. */
  public static Path besideSecretKey(Path secretKeyFile) {
    String name = secretKeyFile.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return secretKeyFile.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".media.key");
  }

  /** The key in {@code file}, created there (mode 0600) when missing. */
  public static byte[] loadOrCreate(Path file) {
    byte[] key = KeyFile.createIfMissing(file, "media link key",
        "deleting or replacing it ends every media link handed out so far", new SecureRandom());
    return key != null ? key : read(file);
  }

  /**
   * The key in an existing {@code file}.
   *
   * @throws IllegalArgumentException when it does not hold base64 of 32 bytes
   */
  public static byte[] read(Path file) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(KeyFile.read(file, "media link key").strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("media link key file " + file + " is not base64 of "
          + KeyFile.KEY_BYTES + " bytes; delete it to have a new one made (links handed out so far stop working)");
    }
    if (key.length != KeyFile.KEY_BYTES) {
      throw new IllegalArgumentException("media link key file " + file + " holds " + key.length + " bytes, not "
          + KeyFile.KEY_BYTES + "; delete it to have a new one made (links handed out so far stop working)");
    }
    return key;
  }

  /** A fresh random key (tests, and embedders that keep no files). */
  public static byte[] random() {
    byte[] key = new byte[KeyFile.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return key;
  }
}
