package dev.switchboard.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals small secrets with AES-256-GCM under the bridge's key, so they rest encrypted in the database. A sealed
 * value is {@code nonce || ciphertext || tag} with a fresh random 12-byte nonce each time.
 */
public final class SecretBox {
  private static final Logger log = LoggerFactory.getLogger(SecretBox.class);

  public static final int KEY_BYTES = KeyFile.KEY_BYTES;
  static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final String CIPHER = "AES/GCM/NoPadding";

  private final SecretKeySpec key;
  private final SecureRandom random;

  /**
   * @param key 32 bytes
   * @param random the source of nonces
   */
  public SecretBox(byte[] key, SecureRandom random) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("the secret key must be " + KEY_BYTES + " bytes, got " + key.length);
    }
    this.key = new SecretKeySpec(key, "AES");
    this.random = random;
  }

  /**
   * A box from a key given in config, as base64 of 32 bytes ({@code openssl rand -base64 32}).
   *
   * @throws IllegalArgumentException saying what is wrong with the value, without repeating it
   */
  public static SecretBox fromBase64(String base64Key) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64Key.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the secret key is not valid base64 (expected base64 of " + KEY_BYTES
          + " random bytes, e.g. from 'openssl rand -base64 32')");
    }
    try {
      return new SecretBox(key, new SecureRandom());
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /** A box from a key file holding base64 of 32 bytes, as {@link #loadOrCreate} writes it. */
  public static SecretBox fromKeyFile(Path keyFile) {
    String content = KeyFile.read(keyFile, "secret key");
    try {
      return fromBase64(content);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("secret key file " + keyFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * The box of the key in {@code keyFile}; on first start, when the file does not exist yet, generates a key and
   * writes it there readable by the owner only.
   */
  public static SecretBox loadOrCreate(Path keyFile) {
    SecureRandom random = new SecureRandom();
    byte[] key = KeyFile.createIfMissing(keyFile, "secret key",
        "back it up with the database: stored secrets cannot be read without it", random);
    if (key == null) {
      return fromKeyFile(keyFile);
    }
    try {
      return new SecretBox(key, random);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * Where {@link #loadOrCreate} keeps the key when config names none: beside an SQLite file ({@code data/bridge.db}
   * → {@code data/bridge.key}), else in {@code configDir} as {@code switchboard.key}.
   */
  public static Path defaultKeyFile(String jdbcUrl, Path configDir) {
    String prefix = "jdbc:sqlite:";
    if (jdbcUrl.startsWith(prefix)) {
      String file = jdbcUrl.substring(prefix.length());
      file = file.startsWith("file:") ? file.substring("file:".length()) : file;
      int query = file.indexOf('?');
      file = query >= 0 ? file.substring(0, query) : file;
      if (!file.isEmpty() && !file.startsWith(":memory:")) {
        Path database = Path.of(file).toAbsolutePath();
        String name = database.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return database.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".key");
      }
    }
    return configDir.resolve("switchboard.key");
  }

  /**
   * Encrypts {@code plaintext}, binding it to {@code context}: it opens only with the same context, so a sealed
   * value copied to another row fails.
   */
  public byte[] seal(byte[] plaintext, byte[] context) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance(CIPHER);
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(context);
      byte[] ciphertext = cipher.doFinal(plaintext);
      return ByteBuffer.allocate(NONCE_BYTES + ciphertext.length).put(nonce).put(ciphertext).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
    }
  }

  /**
   * Decrypts what {@link #seal} made with the same key and context.
   *
   * @throws AEADBadTagException when the key or context differ, or the value was altered
   */
  public byte[] open(byte[] sealed, byte[] context) throws AEADBadTagException {
    if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new AEADBadTagException("sealed value too short (" + sealed.length + " bytes)");
    }
    try {
      Cipher cipher = Cipher.getInstance(CIPHER);
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
      cipher.updateAAD(context);
      return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "SecretBox[AES-256-GCM]";
  }
}
