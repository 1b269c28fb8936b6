package dev.switchboard.core.homeserver;

/** An error answer from the homeserver, carrying its HTTP status and Matrix errcode. */
public final class MatrixException extends RuntimeException {
  private final int status;
  private final String errcode;
  private final String error;

  public MatrixException(int status, String errcode, String message) {
    super(status + " " + errcode + ": " + message);
    this.status = status;
    this.errcode = errcode;
    this.error = message;
  }

  public int status() {
    return status;
  }

  public String errcode() {
    return errcode;
  }

  /** The homeserver's human-readable {@code error} text. */
  public String error() {
    return error;
  }

  /**
   * True when sending the same request again cannot help: a 4xx other than 429. Rate limits and server errors are
   * transient.
   */
  public boolean isPermanent() {
    return status >= 400 && status < 500 && status != 429;
  }

  public boolean is(String code) {
    return code.equals(errcode);
  }
}
