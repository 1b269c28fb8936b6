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
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file holding one random 32-byte key as base64 (the secret key that seals logins, the key that signs media
 * links): created readable by its owner only, and forced to disk, on first start; read as is afterwards.
 */
public final class KeyFile {
  private static final Logger log = LoggerFactory.getLogger(KeyFile.class);
  public static final int KEY_BYTES = 32;

  private KeyFile() {}

  /** The base64 text of {@code file} (the caller decodes it); warns when others may read the file. */
  public static String read(Path file, String what) {
    String content;
    try {
      content = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the " + what + " file " + file, e);
    }
    warnIfOthersCanRead(file, what);
    return content;
  }

  /**
   * The key in {@code file}, or, when the file does not exist yet, a new random key written there; null when the file
   * exists (the caller reads it with {@link #read}, as another process may have created it meanwhile).
   *
   * @param what names the key in messages, e.g. {@code secret key}
   * @param whyBackUp said in the log line when a key was generated
   */
  public static byte[] createIfMissing(Path file, String what, String whyBackUp, SecureRandom random) {
    if (Files.exists(file)) {
      return null;
    }
    byte[] key = new byte[KEY_BYTES];
    random.nextBytes(key);
    byte[] encoded = (Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII);
    try {
      // Created with 0600 from the start, not chmod-ed after writing, so the key is never readable by others;
      // forced to disk because what depends on it is.
      try (FileChannel channel = FileChannel.open(file,
          Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly(file))) {
        ByteBuffer buffer = ByteBuffer.wrap(encoded);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      log.info("Generated a new {} in {}; {}", what, file, whyBackUp);
      return key;
    } catch (FileAlreadyExistsException e) {
      Arrays.fill(key, (byte) 0);
      return null; // another process created it between our check and our write: use theirs
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the " + what + " file " + file, e);
    } finally {
      Arrays.fill(encoded, (byte) 0);
    }
  }

  private static FileAttribute<?>[] ownerOnly(Path file) {
    if (!isPosix(file)) {
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
  }

  private static void warnIfOthersCanRead(Path file, String what) {
    if (!isPosix(file)) {
      return;
    }
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
        log.warn("The {} file {} is readable by other users ({}); run: chmod 600 {}", what, file,
            PosixFilePermissions.toString(permissions), file);
      }
    } catch (IOException e) {
      log.debug("Cannot read the permissions of {}", file, e);
    }
  }

  private static boolean isPosix(Path file) {
    return file.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
