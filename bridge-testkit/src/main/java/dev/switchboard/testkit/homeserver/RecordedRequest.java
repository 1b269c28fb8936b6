package dev.switchboard.testkit.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A client-server request the homeserver received, and how it answered.
 *
 * @param path the raw (percent-encoded) path without query
 * @param userId the effective user ({@code ?user_id=} applied), or {@code null} when not authenticated
 * @param appServiceId the AS whose token was used, or {@code null}
 * @param body the JSON body, or {@code null} when empty or not JSON
 * @param status the HTTP status answered, or {@code 0} when the request was dropped unanswered
 */
public record RecordedRequest(String method, String path, Map<String, List<String>> query, String userId,
    String appServiceId, JsonNode body, int status, Instant at) {

  /** The path with each segment percent-decoded (room ids and aliases readable). */
  public String decodedPath() {
    return dev.switchboard.testkit.homeserver.http.HttpRequest.decodeSegment(path);
  }
}
