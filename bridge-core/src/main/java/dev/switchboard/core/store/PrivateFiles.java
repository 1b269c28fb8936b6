package dev.switchboard.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files that hold secrets (the SQLite database with its inbox and encrypted logins, the config with the shared
 * secret and passwords) are readable by their owner only: created {@code 0600}, and tightened at start when an
 * older version or an admin left them readable by others. A no-op on file systems without POSIX permissions.
 */
public final class PrivateFiles {
  private static final Logger log = LoggerFactory.getLogger(PrivateFiles.class);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private PrivateFiles() {}

  /** Creates {@code file} empty with mode 0600 when missing; otherwise takes group and other access away. */
  public static void ensure(Path file) {
    try {
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        return;
      } catch (FileAlreadyExistsException exists) {
        // fall through and tighten
      } catch (UnsupportedOperationException noPosix) {
        return;
      }
      Set<PosixFilePermission> now = Files.getPosixFilePermissions(file);
      if (!OWNER_ONLY.containsAll(now)) {
        Files.setPosixFilePermissions(file, OWNER_ONLY);
        log.info("Made {} readable by its owner only (it was {}): it holds secrets", file,
            PosixFilePermissions.toString(now));
      }
    } catch (UnsupportedOperationException noPosix) {
      // e.g. Windows: nothing to do
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create or protect " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code text} to a new or existing {@code file} that only its owner may read. */
  public static void writeString(Path file, String text) throws IOException {
    ensure(file);
    Files.writeString(file, text);
  }
}
