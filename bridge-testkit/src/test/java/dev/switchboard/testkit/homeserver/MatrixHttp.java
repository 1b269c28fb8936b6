package dev.switchboard.testkit.homeserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A bare client-server HTTP client for tests, standing in for the bridge. */
final class MatrixHttp {
  /** Status, headers and parsed body of one answer. */
  record Answer(int status, JsonNode body, HttpResponse<String> raw) {
    String errcode() {
      return body == null ? null : body.path("errcode").asText(null);
    }
  }

  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final String baseUrl;
  private final String token;

  MatrixHttp(String baseUrl, String token) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  Answer get(String path) throws IOException, InterruptedException {
    return call("GET", path, null);
  }

  Answer post(String path, String json) throws IOException, InterruptedException {
    return call("POST", path, json);
  }

  Answer put(String path, String json) throws IOException, InterruptedException {
    return call("PUT", path, json);
  }

  Answer call(String method, String path, String json) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(5));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    HttpResponse<String> response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = null;
    try {
      body = response.body().isEmpty() ? null : JSON.readTree(response.body());
    } catch (IOException e) {
      body = null;
    }
    return new Answer(response.statusCode(), body, response);
  }
}
