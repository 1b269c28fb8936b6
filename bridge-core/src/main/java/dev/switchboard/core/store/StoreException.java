package dev.switchboard.core.store;

import java.sql.SQLException;

/** A database failure, unchecked so callers on executors can pass it through futures. */
public final class StoreException extends RuntimeException {
  public StoreException(SQLException cause) {
    super(cause.getMessage(), cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
