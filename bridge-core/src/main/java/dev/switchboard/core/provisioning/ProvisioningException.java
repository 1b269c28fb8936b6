package dev.switchboard.core.provisioning;

/** A provisioning request that fails with an HTTP status and a Matrix-style {@code errcode}. */
public final class ProvisioningException extends RuntimeException {
  /** Custom codes follow the spec's rule for non-standard errcodes: Java package naming. */
  public static final String TIMEOUT = "DEV.SWITCHBOARD.TIMEOUT";
  public static final String BOT_NOT_IN_ROOM = "DEV.SWITCHBOARD.BOT_NOT_IN_ROOM";

  private final int status;
  private final String errcode;

  public ProvisioningException(int status, String errcode, String message) {
    super(message, null, false, false);
    this.status = status;
    this.errcode = errcode;
  }

  public int status() {
    return status;
  }

  public String errcode() {
    return errcode;
  }

  static ProvisioningException forbidden(String message) {
    return new ProvisioningException(403, "M_FORBIDDEN", message);
  }

  static ProvisioningException badRequest(String errcode, String message) {
    return new ProvisioningException(400, errcode, message);
  }

  static ProvisioningException notFound(String message) {
    return new ProvisioningException(404, "M_NOT_FOUND", message);
  }
}
