package dev.switchboard.testkit.homeserver.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.MatrixException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An HTTP response to write.
 *
 * @param streamed when not null, the body, written in chunks as the client reads ({@code body} is then empty); the
 *     range {@code [from, to]} of it
 */
public record HttpResponse(int status, String contentType, byte[] body, Map<String, String> headers,
    StreamedBody streamed, long from, long to) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public HttpResponse {
    headers = Map.copyOf(headers);
  }

  /** A response whose body is all in memory. */
  public HttpResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
    this(status, contentType, body, headers, null, 0, body.length - 1L);
  }

  /** Bytes {@code from} to {@code to} (inclusive) of {@code body}, streamed. */
  public static HttpResponse streamed(int status, String contentType, StreamedBody body, long from, long to,
      Map<String, String> headers) {
    return new HttpResponse(status, contentType, new byte[0], headers, body, from, to);
  }

  /** The number of body bytes written. */
  public long contentLength() {
    return streamed == null ? body.length : to - from + 1;
  }

  public static HttpResponse json(int status, JsonNode body) {
    try {
      return new HttpResponse(status, "application/json", JSON.writeValueAsBytes(body), Map.of());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static HttpResponse ok(JsonNode body) {
    return json(200, body);
  }

  /** The spec's standard error body: {@code {"errcode":..., "error":...}} plus extra fields. */
  public static HttpResponse error(MatrixException e) {
    ObjectNode body = JSON.createObjectNode();
    body.put("errcode", e.errcode());
    body.put("error", e.error());
    e.extra().forEach((k, v) -> body.set(k, JSON.valueToTree(v)));
    return json(e.status(), body);
  }

  public HttpResponse withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new HttpResponse(status, contentType, body, h, streamed, from, to);
  }

  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
