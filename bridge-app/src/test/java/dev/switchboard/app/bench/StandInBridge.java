package dev.switchboard.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor {@link CpuBenchmark} reads the bridge's CPU against: the least a process must do to bridge one IRC channel
 * and one Matrix room both ways, run as its own JVM like the bridge. One IRC connection reads the channel and PUTs
 * each line to the homeserver as one ghost (concurrently, no store, no order); the homeserver's transactions are
 * read and each Matrix message written to IRC as one line. No puppets, formatting, durability or flood control.
 *
 * <p>Arguments: IRC host, port, channel, nick; homeserver URL, as_token, room id, ghost user id; the port to listen
 * for transactions on.
 */
public final class StandInBridge {
  /** Printed once the connection is in the channel and the transactions port listens. */
  static final String READY = "stand-in ready";

  private StandInBridge() {
  }

  public static void main(String[] args) throws Exception {
    String channel = args[2];
    String hs = args[4];
    String token = args[5];
    String room = URLEncoder.encode(args[6], StandardCharsets.UTF_8);
    String ghost = URLEncoder.encode(args[7], StandardCharsets.UTF_8);
    ObjectMapper json = new ObjectMapper();
    HttpClient http = HttpClient.newHttpClient();
    AtomicLong txn = new AtomicLong(System.currentTimeMillis());
    String localpart = args[7].substring(1, args[7].indexOf(':'));
    call(http, token, "POST", hs + "/_matrix/client/v3/register",
        "{\"type\":\"m.login.application_service\",\"username\":\"" + localpart + "\"}");
    call(http, token, "POST", hs + "/_matrix/client/v3/join/" + room + "?user_id=" + ghost, "{}");
    Socket irc = new Socket(args[0], Integer.parseInt(args[1]));
    PrintStream out = new PrintStream(irc.getOutputStream(), true, StandardCharsets.UTF_8);
    out.print("NICK " + args[3] + "\r\nUSER standin 0 * :stand-in\r\n");

    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[8])), 0);
    server.createContext("/", exchange -> {
      JsonNode body = json.readTree(exchange.getRequestBody());
      for (JsonNode event : body.path("events")) {
        if (event.path("type").asText().equals("m.room.message") && !event.path("sender").asText().equals(args[7])) {
          synchronized (out) {
            out.print("PRIVMSG " + channel + " :" + event.path("content").path("body").asText() + "\r\n");
          }
        }
      }
      byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, ok.length);
      try (OutputStream o = exchange.getResponseBody()) {
        o.write(ok);
      }
    });
    server.start();

    BufferedReader in = new BufferedReader(new InputStreamReader(irc.getInputStream(), StandardCharsets.UTF_8));
    String prefix = " PRIVMSG " + channel + " :";
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.startsWith("PING")) {
        synchronized (out) {
          out.print("PONG" + line.substring(4) + "\r\n");
        }
      } else if (line.contains(" 001 ")) {
        out.print("JOIN " + channel + "\r\n");
      } else if (line.contains(" JOIN ") && line.startsWith(":" + args[3] + "!")) {
        System.out.println(READY);
      } else if (line.contains(prefix)) {
        String text = line.substring(line.indexOf(prefix) + prefix.length());
        String content = json.createObjectNode().put("msgtype", "m.text").put("body", text).toString();
        http.sendAsync(HttpRequest.newBuilder(URI.create(hs + "/_matrix/client/v3/rooms/" + room
                + "/send/m.room.message/" + txn.incrementAndGet() + "?user_id=" + ghost))
            .header("Authorization", "Bearer " + token).PUT(HttpRequest.BodyPublishers.ofString(content)).build(),
            HttpResponse.BodyHandlers.discarding());
      }
    }
  }

  private static void call(HttpClient http, String token, String method, String uri, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + token)
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(method + " " + uri + ": " + r.statusCode() + " " + r.body());
    }
  }
}
