package dev.switchboard.testkit.homeserver;

/**
 * A request or AS response that does not match the Matrix spec.
 *
 * @param source {@code "client-server request"} or {@code "application-service response"}
 */
public record SchemaViolation(String source, String method, String path, String message) {
  @Override
  public String toString() {
    return source + " " + method + " " + path + ": " + message;
  }
}
