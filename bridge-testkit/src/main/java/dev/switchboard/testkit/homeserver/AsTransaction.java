package dev.switchboard.testkit.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One attempt to push a transaction to an application service.
 *
 * @param status the AS's HTTP status, or {@code 0} when the attempt failed without one (connection, timeout)
 * @param failure why the attempt failed, or {@code null} when it was accepted
 */
public record AsTransaction(String appServiceId, String txnId, JsonNode body, int status, String failure,
    Instant at) {
  public boolean accepted() {
    return status == 200;
  }

  public int eventCount() {
    return body.path("events").size();
  }
}
