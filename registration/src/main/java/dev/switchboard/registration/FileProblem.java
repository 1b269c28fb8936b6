package dev.switchboard.registration;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Says what went wrong with a file in words an admin can act on: the JDK's message for the commonest failures
 * (permission denied, a missing directory, a file where a directory should be) is only the path.
 */
public final class FileProblem {
  private FileProblem() {}

  /** E.g. {@code permission denied (/etc/switchboard/registration.yaml)}. */
  public static String describe(java.io.IOException e) {
    if (e instanceof AccessDeniedException denied) {
      return "permission denied (" + denied.getFile() + ")";
    }
    if (e instanceof NoSuchFileException missing) {
      return "no such file or directory (" + missing.getFile() + ")";
    }
    if (e instanceof FileAlreadyExistsException inTheWay) {
      return inTheWay.getFile() + " is in the way (a file where a directory is needed)";
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason() + " (" + fs.getFile() + ")";
    }
    return String.valueOf(e.getMessage());
  }
}
