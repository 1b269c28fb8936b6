package dev.switchboard.app.check;

import dev.switchboard.core.check.CheckResult;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.media.LinkSigner;
import dev.switchboard.core.media.MediaConfig;
import dev.switchboard.core.media.MediaEndpoint;
import dev.switchboard.core.media.MediaKeys;
import dev.switchboard.core.media.SignedMediaLinks;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The media endpoint seen from outside: fetches a signed probe link at {@code media.public_url}, as a remote user's
 * browser would, through whatever reverse proxy is in front. While the bridge is stopped, a stand-in endpoint (the
 * real one, answering only the probe) listens on {@code media.bind}/{@code port} for the duration of the check. A
 * failure says what to change, in the proxy or in the config.
 */
public final class MediaChecks {
  private static final String OUR_NOT_FOUND = "media links look like /media/";

  private final BridgeConfig cfg;
  private final Optional<String> asToken;

  public MediaChecks(BridgeConfig cfg, Optional<String> asToken) {
    this.cfg = cfg;
    this.asToken = asToken;
  }

  public CheckResult probe(Duration timeout) throws InterruptedException {
    MediaConfig media = cfg.media();
    if (!media.enabled()) {
      return CheckResult.ok("off (media.enabled: false): remote users get links to the homeserver's "
          + "unauthenticated download path, which homeservers with authenticated media refuse");
    }
    String listener = media.bind() + ":" + media.port();
    byte[] key;
    boolean keyFileExists = Files.exists(cfg.mediaKeyFile());
    try {
      key = keyFileExists ? MediaKeys.read(cfg.mediaKeyFile()) : MediaKeys.random();
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      return CheckResult.failed(e.getMessage(), "delete " + cfg.mediaKeyFile() + " and restart the bridge");
    }
    MediaEndpoint standIn = null;
    String note = "";
    try {
      standIn = MediaEndpoint.start(media, cfg.homeserver().url(), asToken.orElse(""), key, Clock.systemUTC());
    } catch (Exception e) {
      if (!(e instanceof BindException)) {
        return CheckResult.failed("cannot listen on " + listener + ": " + e.getMessage(),
            "check media.bind and media.port");
      }
      if (!keyFileExists) {
        return CheckResult.failed("something listens on " + listener + " but " + cfg.mediaKeyFile()
            + " does not exist, so it is not this bridge", "give media.port a port no other program uses");
      }
      note = " (port " + media.port() + " is in use, so the running bridge answered)";
    }
    try {
      MediaEndpoint local = standIn;
      // Without a public URL (port 0) only a stand-in runs: with the running bridge, the config names its port.
      URI publicUrl = media.publicUrl().orElseGet(() -> local.publicUrl());
      Clock clock = Clock.systemUTC();
      String link = new SignedMediaLinks(new LinkSigner(key, clock), publicUrl, Duration.ofHours(1), clock)
          .probeLink();
      return judge(link, publicUrl, listener, timeout, note);
    } finally {
      if (standIn != null) {
        standIn.close();
      }
    }
  }

  private CheckResult judge(String link, URI publicUrl, String listener, Duration timeout, String note)
      throws InterruptedException {
    String forward = "make the reverse proxy pass " + publicUrl + "/media/ unchanged to http://" + listener
        + " (docs/operations.md, \"Media links\")";
    HttpClient client = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> whole;
    HttpResponse<String> part;
    try {
      whole = client.send(HttpRequest.newBuilder(URI.create(link)).timeout(timeout).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      part = whole.statusCode() == 200 ? client.send(HttpRequest.newBuilder(URI.create(link)).timeout(timeout)
          .header("Range", "bytes=0-9").build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)) : null;
    } catch (SSLException e) {
      return CheckResult.failed("TLS with " + publicUrl.getHost() + " failed (" + e.getMessage() + ")",
          "give the reverse proxy a certificate for " + publicUrl.getHost() + " that browsers trust, or make "
              + "media.public_url http:// when nothing in front speaks TLS");
    } catch (HttpTimeoutException e) {
      return CheckResult.failed("no answer from " + publicUrl + " within " + timeout.toSeconds() + " s",
          "a proxy that accepts and never answers cannot reach the bridge: " + forward);
    } catch (ConnectException e) {
      return CheckResult.failed("nothing answers at " + publicUrl + " (" + e.getMessage() + ")",
          "set media.public_url to the address remote users reach, and " + forward + "; open the port in the "
              + "firewall");
    } catch (IOException e) {
      return Probes.networkFailure(e, publicUrl.toString(), "media.public_url");
    }
    int status = whole.statusCode();
    String body = whole.body();
    if (status == 200 && body.equals(MediaEndpoint.PROBE_TEXT)) {
      if (part == null || part.statusCode() != 206
          || !part.body().equals(MediaEndpoint.PROBE_TEXT.substring(0, 10))) {
        return CheckResult.failed("a signed link opens at " + publicUrl + ", but range requests do not pass ("
            + (part == null ? "no answer" : part.statusCode()) + "): audio and video players cannot seek",
            "let the proxy pass the Range header (nginx: no proxy_set_header Range; Caddy passes it)");
      }
      return CheckResult.ok("a signed link opens at " + publicUrl + ", ranges pass" + note);
    }
    if (status >= 300 && status < 400) {
      String to = whole.headers().firstValue("Location").orElse("?");
      return CheckResult.failed(publicUrl + " redirects (" + status + " to " + to + ")",
          "set media.public_url to the URL the redirect leads to (e.g. https://), or stop the proxy from "
              + "redirecting /media/");
    }
    if (status == 404 && body.contains(OUR_NOT_FOUND)) {
      return CheckResult.failed("the bridge got the link with another path (404)",
          "the proxy changes the path (strips or adds a prefix): " + forward + "; nginx: proxy_pass without a "
              + "path after the port");
    }
    if (status == 403 && body.contains("not valid")) {
      return CheckResult.failed("the bridge refused the link as altered (403)",
          "the proxy re-encodes the path, or the bridge on " + listener + " uses another key than "
              + cfg.mediaKeyFile() + ": " + forward + "; nginx: proxy_pass without a path after the port");
    }
    if (status == 404 || status == 405) {
      return CheckResult.failed(publicUrl + " answers " + status + " for /media/ (not the bridge)",
          "the reverse proxy has no route for /media/: " + forward);
    }
    if (status == 502 || status == 503 || status == 504) {
      return CheckResult.failed("the reverse proxy at " + publicUrl + " cannot reach the bridge (" + status + ")",
          "start the bridge, and point the proxy's upstream at http://" + listener);
    }
    return CheckResult.failed(publicUrl + " answered " + status + " to a signed probe link, not the bridge's "
        + "probe text", forward);
  }
}
