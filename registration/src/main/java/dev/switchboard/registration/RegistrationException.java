package dev.switchboard.registration;

/** A registration that cannot be used, with a message an admin can act on. */
public final class RegistrationException extends RuntimeException {
  public RegistrationException(String message) {
    super(message);
  }

  public RegistrationException(String message, Throwable cause) {
    super(message, cause);
  }
}
