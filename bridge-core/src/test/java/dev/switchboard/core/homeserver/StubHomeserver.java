package dev.switchboard.core.homeserver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A scriptable HTTP server for unit tests of the client: each request is recorded and answered by the handler.
 * Integration tests use the testkit's TestHomeserver instead.
 */
final class StubHomeserver implements AutoCloseable {

  /** A request as it arrived: the raw (still encoded) path and query, headers, body, and when (nanoTime). */
  record Seen(String method, String rawPath, String rawQuery, Map<String, List<String>> headers, String body,
      long nanos) {
    String header(String name) {
      for (Map.Entry<String, List<String>> h : headers.entrySet()) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue().get(0);
        }
      }
      return null;
    }
  }

  /** An answer: status, JSON body, extra headers; {@code delayMs} before answering. */
  record Answer(int status, String body, Map<String, String> headers, long delayMs) {
    static Answer ok(String body) {
      return new Answer(200, body, Map.of(), 0);
    }

    static Answer error(int status, String errcode, String error) {
      return new Answer(status, "{\"errcode\":\"" + errcode + "\",\"error\":\"" + error + "\"}", Map.of(), 0);
    }
  }

  private final HttpServer server;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private volatile Function<Seen, Answer> handler = s -> Answer.ok("{}");

  StubHomeserver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  void answer(Function<Seen, Answer> handler) {
    this.handler = handler;
  }

  List<Seen> requests() {
    return new ArrayList<>(seen);
  }

  List<Seen> requests(String method, String pathPrefix) {
    return seen.stream().filter(s -> s.method().equals(method) && s.rawPath().startsWith(pathPrefix)).toList();
  }

  private void handle(HttpExchange ex) throws IOException {
    byte[] in = ex.getRequestBody().readAllBytes();
    URI uri = ex.getRequestURI();
    Seen s = new Seen(ex.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), Map.copyOf(ex.getRequestHeaders()),
        new String(in, StandardCharsets.UTF_8), System.nanoTime());
    seen.add(s);
    Answer a;
    try {
      a = handler.apply(s);
    } catch (RuntimeException e) {
      a = Answer.error(500, "M_UNKNOWN", String.valueOf(e));
    }
    if (a.delayMs() > 0) {
      try {
        Thread.sleep(a.delayMs());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    try {
      ex.sendResponseHeaders(a.status(), out.length);
      ex.getResponseBody().write(out);
    } catch (IOException clientGone) {
      // The client timed out and closed the connection.
    }
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
