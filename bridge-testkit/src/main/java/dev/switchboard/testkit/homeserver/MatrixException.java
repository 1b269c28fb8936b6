package dev.switchboard.testkit.homeserver;

import java.util.Map;

/** A Matrix error as the homeserver answers it: HTTP status, {@code errcode}, {@code error}, and extra fields. */
public final class MatrixException extends RuntimeException {
  private final int status;
  private final String errcode;
  private final Map<String, Object> extra;

  public MatrixException(int status, String errcode, String error) {
    this(status, errcode, error, Map.of());
  }

  public MatrixException(int status, String errcode, String error, Map<String, Object> extra) {
    super(errcode + ": " + error);
    this.status = status;
    this.errcode = errcode;
    this.extra = Map.copyOf(extra);
  }

  public int status() {
    return status;
  }

  public String errcode() {
    return errcode;
  }

  public String error() {
    return getMessage().substring(errcode.length() + 2);
  }

  /** Fields beside errcode and error, e.g. {@code retry_after_ms}. */
  public Map<String, Object> extra() {
    return extra;
  }

  public static MatrixException forbidden(String error) {
    return new MatrixException(403, "M_FORBIDDEN", error);
  }

  public static MatrixException notFound(String error) {
    return new MatrixException(404, "M_NOT_FOUND", error);
  }

  public static MatrixException badJson(String error) {
    return new MatrixException(400, "M_BAD_JSON", error);
  }

  public static MatrixException invalidParam(String error) {
    return new MatrixException(400, "M_INVALID_PARAM", error);
  }
}
