package dev.switchboard.core.permission;

import dev.switchboard.core.id.UserId;

/** A user tried something above their level; the message says what level it needs. Matrix errcode M_FORBIDDEN. */
public final class PermissionDeniedException extends RuntimeException {
  private final UserId user;
  private final Level required;
  private final Level actual;

  public PermissionDeniedException(UserId user, Level required, Level actual) {
    super(user + " has level " + actual.configName() + "; this needs " + required.configName());
    this.user = user;
    this.required = required;
    this.actual = actual;
  }

  public String errcode() {
    return "M_FORBIDDEN";
  }

  public UserId user() {
    return user;
  }

  public Level required() {
    return required;
  }

  public Level actual() {
    return actual;
  }
}
