package dev.switchboard.core.homeserver;

/** An error answer from the homeserver, carrying its HTTP status and Matrix errcode. */
public final class MatrixException extends RuntimeException {
  private final int status;
  private final String errcode;

  public MatrixException(int status, String errcode, String message) {
    super(status + " " + errcode + ": " + message);
    this.status = status;
    this.errcode = errcode;
  }

  public int status() {
    return status;
  }

  public String errcode() {
    return errcode;
  }
}
