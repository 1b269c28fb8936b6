package dev.switchboard.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The Matrix side of the stand-in bridges ({@link StandInBridge}, {@link StandInXmpp}), the least an application
 * service does for one room: one ghost that PUTs each remote message (concurrently, no store, no order), and one HTTP
 * endpoint that takes the homeserver's transactions and hands on the body of each {@code m.room.message} from
 * someone else.
 */
final class StandInMatrix {
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicLong txn = new AtomicLong(System.currentTimeMillis());
  private final String hs;
  private final String token;
  private final String room;
  private final String ghostId;
  private final String ghost;

  private StandInMatrix(String hs, String token, String room, String ghostId) {
    this.hs = hs;
    this.token = token;
    this.room = URLEncoder.encode(room, StandardCharsets.UTF_8);
    this.ghostId = ghostId;
    this.ghost = URLEncoder.encode(ghostId, StandardCharsets.UTF_8);
  }

  /** Registers the ghost {@code ghostId} with the as_token {@code token} and has it join {@code room}. */
  static StandInMatrix join(String hs, String token, String room, String ghostId) throws Exception {
    StandInMatrix m = new StandInMatrix(hs, token, room, ghostId);
    String localpart = ghostId.substring(1, ghostId.indexOf(':'));
    m.call("POST", hs + "/_matrix/client/v3/register",
        "{\"type\":\"m.login.application_service\",\"username\":\"" + localpart + "\"}");
    m.call("POST", hs + "/_matrix/client/v3/join/" + m.room + "?user_id=" + m.ghost, "{}");
    return m;
  }

  /** Sends {@code text} to the room as the ghost, without waiting for the answer. */
  void send(String text) {
    String content = json.createObjectNode().put("msgtype", "m.text").put("body", text).toString();
    http.sendAsync(HttpRequest.newBuilder(URI.create(hs + "/_matrix/client/v3/rooms/" + room
            + "/send/m.room.message/" + txn.incrementAndGet() + "?user_id=" + ghost))
        .header("Authorization", "Bearer " + token).PUT(HttpRequest.BodyPublishers.ofString(content)).build(),
        HttpResponse.BodyHandlers.discarding());
  }

  /** Listens for transactions on {@code port}; each message body not from the ghost goes to {@code bodies}. */
  void listen(int port, Consumer<String> bodies) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/", exchange -> {
      JsonNode body = json.readTree(exchange.getRequestBody());
      for (JsonNode event : body.path("events")) {
        if (event.path("type").asText().equals("m.room.message") && !event.path("sender").asText().equals(ghostId)) {
          bodies.accept(event.path("content").path("body").asText());
        }
      }
      byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, ok.length);
      try (OutputStream o = exchange.getResponseBody()) {
        o.write(ok);
      }
    });
    server.start();
  }

  private void call(String method, String uri, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + token)
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(method + " " + uri + ": " + r.statusCode() + " " + r.body());
    }
  }
}
