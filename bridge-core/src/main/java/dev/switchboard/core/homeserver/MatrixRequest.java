package dev.switchboard.core.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.UserId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One client-server API request, before the base URL, the token and identity assertion are added.
 *
 * @param path the already percent-encoded path, e.g. from {@link #path(String, String...)}
 * @param query query parameters, unencoded; {@code user_id} is added from {@code asUser}
 * @param body the request body, or null for none
 * @param contentType the body's media type
 * @param asUser the user to act as through identity assertion ({@code ?user_id=}); empty for the AS bot
 * @param timeout how long one attempt may take; empty for the client's default
 * @param idempotent whether repeating the request after it may have reached the homeserver is harmless. A
 *     non-idempotent request (e.g. {@code POST /createRoom}) is only retried when it surely did not reach it.
 */
public record MatrixRequest(
    String method,
    String path,
    Map<String, String> query,
    byte[] body,
    String contentType,
    Optional<UserId> asUser,
    Optional<Duration> timeout,
    boolean idempotent) {

  public static final String CLIENT_V3 = "/_matrix/client/v3";
  public static final String CLIENT_V1 = "/_matrix/client/v1";
  public static final String MEDIA_V3 = "/_matrix/media/v3";

  public MatrixRequest {
    query = Map.copyOf(query);
  }

  public static MatrixRequest get(String path) {
    return new MatrixRequest("GET", path, Map.of(), null, null, Optional.empty(), Optional.empty(), true);
  }

  public static MatrixRequest delete(String path) {
    return new MatrixRequest("DELETE", path, Map.of(), null, null, Optional.empty(), Optional.empty(), true);
  }

  public static MatrixRequest put(String path, JsonNode body) {
    return new MatrixRequest("PUT", path, Map.of(), json(body), "application/json", Optional.empty(),
        Optional.empty(), true);
  }

  /** A POST; most client-server POSTs we make (join, invite, kick, receipts) are idempotent in effect. */
  public static MatrixRequest post(String path, JsonNode body) {
    return new MatrixRequest("POST", path, Map.of(), json(body), "application/json", Optional.empty(),
        Optional.empty(), true);
  }

  public static MatrixRequest post(String path, byte[] body, String contentType) {
    return new MatrixRequest("POST", path, Map.of(), body, contentType, Optional.empty(), Optional.empty(), true);
  }

  public MatrixRequest as(UserId user) {
    return new MatrixRequest(method, path, query, body, contentType, Optional.of(user), timeout, idempotent);
  }

  /** This request acting as {@code user}, or as the bot when empty. */
  public MatrixRequest as(Optional<UserId> user) {
    return new MatrixRequest(method, path, query, body, contentType, user, timeout, idempotent);
  }

  public MatrixRequest withQuery(String name, String value) {
    Map<String, String> q = new LinkedHashMap<>(query);
    q.put(name, value);
    return new MatrixRequest(method, path, q, body, contentType, asUser, timeout, idempotent);
  }

  public MatrixRequest withTimeout(Duration t) {
    return new MatrixRequest(method, path, query, body, contentType, asUser, Optional.of(t), idempotent);
  }

  public MatrixRequest notIdempotent() {
    return new MatrixRequest(method, path, query, body, contentType, asUser, timeout, false);
  }

  /** {@code method path} for logs: never the token, never the body. */
  public String describe() {
    return method + " " + path;
  }

  @Override
  public String toString() {
    return "MatrixRequest[" + describe() + asUser.map(u -> " as " + u).orElse("") + "]";
  }

  /**
   * Joins {@code prefix} and the segments, percent-encoding each segment: room ids ({@code !}), aliases ({@code #}),
   * event ids ({@code $}) and user ids ({@code @}) all carry characters that must not reach a path raw.
   */
  public static String path(String prefix, String... segments) {
    StringBuilder sb = new StringBuilder(prefix);
    for (String s : segments) {
      sb.append('/').append(encode(s));
    }
    return sb.toString();
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /**
   * RFC 3986 percent-encoding of everything but the unreserved characters; usable for path segments and query
   * values alike (unlike {@link java.net.URLEncoder}, which writes a space as {@code +}).
   */
  public static String encode(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 8);
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
          || c == '_' || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return sb.toString();
  }

  private static byte[] json(JsonNode body) {
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }
}
