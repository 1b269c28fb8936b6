package dev.switchboard.app.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.media.MediaEndpoint;
import dev.switchboard.core.media.MediaKeys;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code switchboard check}'s look at the media endpoint from outside: straight, through a forwarding proxy, and
 * through the proxy mistakes admins make, each with the fix it prints.
 */
class MediaCheckTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  @TempDir
  Path dir;
  private HttpServer proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.stop(0);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private BridgeConfig config(int mediaPort, String publicUrl) throws Exception {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, """
        homeserver:
          url: http://127.0.0.1:1
          domain: test.local
        appservice:
          port: %d
        database:
          url: jdbc:sqlite:bridge.db
        media:
          port: %d
        """.formatted(freePort(), mediaPort) + (publicUrl == null ? "" : "  public_url: " + publicUrl + "\n"));
    return new ConfigLoader(Map.of()).load(file);
  }

  private CheckResult check(BridgeConfig cfg) throws Exception {
    return new MediaChecks(cfg, Optional.empty()).probe(TIMEOUT);
  }

  /** A reverse proxy on a free port that forwards {@code /media/} to {@code upstream}, maybe dropping Range. */
  private int forwardingProxy(int upstream, boolean dropRange) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    proxy.createContext("/media/", exchange -> {
      try (exchange) {
        HttpRequest.Builder forwarded = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream
            + exchange.getRequestURI().getRawPath()));
        String range = exchange.getRequestHeaders().getFirst("Range");
        if (range != null && !dropRange) {
          forwarded.header("Range", range);
        }
        HttpResponse<byte[]> answer = client.send(forwarded.build(), HttpResponse.BodyHandlers.ofByteArray());
        answer.headers().firstValue("Content-Range").ifPresent(v -> exchange.getResponseHeaders().set("Content-Range",
            v));
        exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
        exchange.getResponseBody().write(answer.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    proxy.createContext("/", exchange -> {
      try (exchange) {
        byte[] page = "<html><body><h1>404 Not Found</h1><hr>nginx</body></html>".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(404, page.length);
        exchange.getResponseBody().write(page);
      }
    });
    proxy.start();
    return proxy.getAddress().getPort();
  }

  @Test
  void withTheBridgeStoppedAStandInAnswersTheProbeAtTheDefaultUrl() throws Exception {
    int port = freePort();

    CheckResult result = check(config(port, null));

    assertThat(result.ok()).as(result.toString()).isTrue();
    assertThat(result.detail()).isEqualTo("a signed link opens at http://127.0.0.1:" + port + ", ranges pass");
  }

  @Test
  void aRunningBridgeAnswersThroughAProxyThatForwardsMedia() throws Exception {
    BridgeConfig cfg = config(freePort(), null);
    byte[] key = MediaKeys.loadOrCreate(cfg.mediaKeyFile());
    try (MediaEndpoint running = MediaEndpoint.start(cfg.media(), URI.create("http://127.0.0.1:1"), "", key,
        Clock.systemUTC())) {
      int proxyPort = forwardingProxy(running.port(), false);
      cfg = config(running.port(), "http://127.0.0.1:" + proxyPort);

      CheckResult result = check(cfg);

      assertThat(result.ok()).as(result.toString()).isTrue();
      assertThat(result.detail()).contains("a signed link opens at http://127.0.0.1:" + proxyPort,
          "the running bridge answered");
    }
  }

  @Test
  void aProxyWithoutARouteForMediaIsNamedWithTheFix() throws Exception {
    int port = freePort();
    int proxyPort = forwardingProxy(port, false);
    proxy.removeContext("/media/");

    CheckResult result = check(config(port, "http://127.0.0.1:" + proxyPort));

    assertThat(result.ok()).isFalse();
    assertThat(result.detail()).isEqualTo("http://127.0.0.1:" + proxyPort + " answers 404 for /media/ (not the "
        + "bridge)");
    assertThat(result.fix().orElseThrow()).contains("no route for /media/", "unchanged to http://127.0.0.1:" + port);
  }

  @Test
  void aProxyThatDropsRangeFailsWithTheFix() throws Exception {
    int port = freePort();
    // The stand-in will listen on port; the proxy forwards there but drops Range.
    int proxyPort = forwardingProxy(port, true);

    CheckResult result = check(config(port, "http://127.0.0.1:" + proxyPort));

    assertThat(result.ok()).isFalse();
    assertThat(result.detail()).contains("range requests do not pass (200)");
    assertThat(result.fix().orElseThrow()).contains("Range");
  }

  @Test
  void aPublicUrlWithAPathTheProxyDoesNotStripIsCaught() throws Exception {
    int port = freePort();

    CheckResult result = check(config(port, "http://127.0.0.1:" + port + "/bridge"));

    assertThat(result.ok()).isFalse();
    assertThat(result.detail()).isEqualTo("the bridge got the link with another path (404)");
    assertThat(result.fix().orElseThrow()).contains("strips or adds a prefix");
  }

  @Test
  void nothingListeningAtThePublicUrlSaysSo() throws Exception {
    int nobody = freePort();

    CheckResult result = check(config(freePort(), "http://127.0.0.1:" + nobody));

    assertThat(result.ok()).isFalse();
    assertThat(result.detail()).startsWith("nothing answers at http://127.0.0.1:" + nobody);
    assertThat(result.fix().orElseThrow()).contains("media.public_url", "firewall");
  }

  @Test
  void httpsToAPlainListenerFailsOnTls() throws Exception {
    int port = freePort();

    CheckResult result = check(config(port, "https://127.0.0.1:" + port));

    assertThat(result.ok()).isFalse();
    assertThat(result.detail()).startsWith("TLS with 127.0.0.1 failed");
    assertThat(result.fix().orElseThrow()).contains("certificate");
  }
}
