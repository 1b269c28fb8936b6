package dev.switchboard.app.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.homeserver.MatrixRequest;
import dev.switchboard.registration.Registration;
import dev.switchboard.registration.Tokens;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The homeserver side of {@code switchboard check}: does it answer, does it know our {@code as_token}, and can it
 * reach our AS API with the right {@code hs_token} (the appservice ping). For the ping a stand-in AS listener
 * answers on {@code appservice.bind}/{@code port} for the duration of the check; it answers only the ping, and 503
 * to anything else (a transaction pushed meanwhile is retried by the homeserver and reaches the real bridge later).
 */
public final class HomeserverChecks {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the stand-in listener saw. */
  enum PingSeen { NOTHING, RIGHT_TOKEN, WRONG_TOKEN }

  private final BridgeConfig cfg;
  private final Registration registration;
  private final HttpClient http;
  private final String base;

  public HomeserverChecks(BridgeConfig cfg, Registration registration) {
    this.cfg = cfg;
    this.registration = registration;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    String url = cfg.homeserver().url().toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private record Answer(int status, JsonNode body) {
    String errcode() {
      return body.path("errcode").asText("");
    }
  }

  private Answer send(HttpRequest.Builder request, Duration timeout) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body;
    try {
      body = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
    } catch (IOException notJson) {
      body = JSON.createObjectNode();
    }
    return new Answer(r.statusCode(), body);
  }

  /** {@code GET /_matrix/client/versions}. */
  public CheckResult versions(Duration timeout) throws InterruptedException {
    try {
      Answer a = send(HttpRequest.newBuilder(URI.create(base + "/_matrix/client/versions")).GET(), timeout);
      if (a.status() != 200 || !a.body().path("versions").isArray()) {
        return CheckResult.failed("GET /_matrix/client/versions answered " + a.status(),
            "homeserver.url must be the base of the client-server API (e.g. https://matrix.example.org, without "
                + "/_matrix)");
      }
      JsonNode versions = a.body().path("versions");
      return CheckResult.ok("answers (newest spec version " + versions.get(versions.size() - 1).asText() + ")");
    } catch (IOException e) {
      return Probes.networkFailure(e, base, "homeserver.url");
    }
  }

  /** {@code GET /account/whoami} with the as_token: the homeserver knows the registration. */
  public CheckResult asToken(Duration timeout) throws InterruptedException {
    try {
      Answer a = send(HttpRequest.newBuilder(URI.create(base + "/_matrix/client/v3/account/whoami"))
          .header("Authorization", "Bearer " + registration.asToken()).GET(), timeout);
      String bot = "@" + registration.senderLocalpart() + ":" + cfg.homeserver().domain();
      if (a.status() == 200 && bot.equals(a.body().path("user_id").asText())) {
        return CheckResult.ok("the homeserver knows the as_token (bot " + bot + ")");
      }
      if (a.status() == 200) {
        return CheckResult.failed("the as_token belongs to " + a.body().path("user_id").asText() + ", not " + bot,
            "the homeserver loaded a registration with another sender_localpart: copy "
                + cfg.appservice().registration() + " to it and restart it");
      }
      return CheckResult.failed("the homeserver does not accept the as_token (" + a.status() + " " + a.errcode()
          + ")", "add " + cfg.appservice().registration() + " to the homeserver (Synapse: app_service_config_files; "
          + "see docs/install.md) and restart it; after regenerating the file, copy it again");
    } catch (IOException e) {
      return Probes.networkFailure(e, base, "homeserver.url");
    }
  }

  /** The appservice ping, answered by a stand-in listener unless the bridge is running. */
  public CheckResult ping(Duration timeout) throws InterruptedException {
    AtomicReference<PingSeen> seen = new AtomicReference<>(PingSeen.NOTHING);
    HttpServer standIn = null;
    String note = "";
    try {
      standIn = HttpServer.create(new InetSocketAddress(cfg.appservice().bind(), cfg.appservice().port()), 16);
      standIn.createContext("/", exchange -> answer(exchange, seen));
      standIn.start();
    } catch (BindException inUse) {
      note = " (port " + cfg.appservice().port() + " is in use, so the running bridge answered)";
    } catch (IOException e) {
      return CheckResult.failed("cannot listen on " + cfg.appservice().bind() + ":" + cfg.appservice().port() + ": "
          + e.getMessage(), "check appservice.bind and appservice.port");
    }
    try {
      String txn = "switchboard-check-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
      Answer a = send(HttpRequest.newBuilder(URI.create(base + MatrixRequest.path(MatrixRequest.CLIENT_V1,
              "appservice", registration.id(), "ping")))
          .header("Authorization", "Bearer " + registration.asToken())
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"transaction_id\":\"" + txn + "\"}")), timeout);
      URI url = cfg.appservice().url();
      if (a.status() == 200) {
        return CheckResult.ok("the homeserver reached the bridge at " + url + " with the right hs_token ("
            + a.body().path("duration_ms").asLong() + " ms)" + note);
      }
      return switch (a.errcode()) {
        case "M_UNRECOGNIZED" -> CheckResult.ok("the homeserver predates the ping endpoint (Matrix 1.7); not "
            + "checked");
        case "M_BAD_STATUS" -> seen.get() == PingSeen.WRONG_TOKEN
            ? CheckResult.failed("the homeserver sent an hs_token that differs from "
                + cfg.appservice().registration().getFileName() + "'s",
                "the homeserver loaded another copy of the registration: copy " + cfg.appservice().registration()
                    + " to the homeserver again and restart it")
            : CheckResult.failed("the homeserver reached " + url + " but got an error answer" + note,
                "appservice.url must point at this bridge's AS API (appservice.bind and appservice.port)");
        case "M_CONNECTION_FAILED", "M_CONNECTION_TIMEOUT" -> CheckResult.failed("the homeserver cannot reach the "
            + "bridge at " + url + " (" + a.errcode() + ")", "set appservice.url to an address the homeserver can "
            + "connect to (not 127.0.0.1 when it runs in another container or machine), and appservice.bind so "
            + "the bridge listens there; then regenerate the registration and restart the homeserver");
        case "M_URL_NOT_SET" -> CheckResult.failed("the homeserver's copy of the registration has no url",
            "copy " + cfg.appservice().registration() + " to the homeserver again and restart it");
        case "M_FORBIDDEN" -> CheckResult.failed("the homeserver refused the ping for appservice id '"
            + registration.id() + "'", "appservice.id must match the id of the registration the homeserver loaded");
        default -> CheckResult.failed("the ping failed with " + a.status() + " " + a.errcode() + ": "
            + a.body().path("error").asText(), "see the homeserver's log");
      };
    } catch (IOException e) {
      return Probes.networkFailure(e, base, "homeserver.url");
    } finally {
      if (standIn != null) {
        standIn.stop(0);
      }
    }
  }

  private void answer(HttpExchange exchange, AtomicReference<PingSeen> seen) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!path.equals("/_matrix/app/v1/ping") || !exchange.getRequestMethod().equals("POST")) {
        // Not stored, so not acknowledged: the homeserver retries it later, when the bridge runs.
        reply(exchange, 503, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"switchboard check is running\"}");
        return;
      }
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : "";
      if (Tokens.constantTimeEquals(registration.hsToken(), token)) {
        seen.set(PingSeen.RIGHT_TOKEN);
        reply(exchange, 200, "{}");
      } else {
        seen.set(PingSeen.WRONG_TOKEN);
        reply(exchange, 403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"Bad hs_token\"}");
      }
    }
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }
}
