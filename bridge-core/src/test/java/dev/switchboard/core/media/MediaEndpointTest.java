package dev.switchboard.core.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.http.ListenerLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.media.SyntheticMedia;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The media endpoint against the testkit homeserver in authenticated-only mode (its v3 download path answers 404, as
 * Synapse's does for new media): what a remote user's browser or player gets for a link.
 */
class MediaEndpointTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private Options options = Options.defaults().media(Options.Media.defaults().authenticatedOnly(true));
  @RegisterExtension
  final Fixture<TestHomeserver> hs = HomeserverFixture.start(() -> options).onFirstUse();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final byte[] key = MediaKeys.random();
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private String asToken;
  private MediaEndpoint endpoint;

  @AfterEach
  void stop() {
    if (endpoint != null) {
      endpoint.close();
    }
  }

  private MediaEndpoint start(UnaryOperator<MediaConfig> config) throws Exception {
    AppServiceRegistration registration = AppServiceRegistration.builder("switchboard").senderLocalpart("switchboard")
        .users("@_irc_.*:test\\.local", true).build();
    hs.get().registerAppService(registration);
    asToken = registration.asToken();
    endpoint = MediaEndpoint.start(config.apply(MediaConfig.local()), URI.create(hs.get().baseUrl()), asToken, key,
        Clock.systemUTC(), metrics);
    return endpoint;
  }

  private String upload(byte[] bytes, String type, String name) throws Exception {
    var answer = client.send(HttpRequest.newBuilder(URI.create(hs.get().baseUrl()
            + "/_matrix/media/v3/upload?filename=" + name.replace(" ", "%20")))
        .header("Authorization", "Bearer " + asToken).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(answer.body()).path("content_uri").asText();
  }

  private HttpResponse<byte[]> get(String url, String... headers) throws Exception {
    return send("GET", url, headers);
  }

  private HttpResponse<byte[]> send(String method, String url, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static byte[] text(int length) {
    byte[] bytes = new byte[length];
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) ('a' + random.nextInt(26));
    }
    return bytes;
  }

  private static String body(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void aSignedLinkReturnsTheExactBytesWithSafeHeaders() throws Exception {
    start(c -> c);
    byte[] file = text(5000);
    String mxc = upload(file, "text/plain", "long message.txt");
    String link = endpoint.links().link(mxc, "long message.txt").orElseThrow();

    HttpResponse<byte[]> answer = get(link);
    HttpResponse<byte[]> again = get(link, "If-None-Match", answer.headers().firstValue("ETag").orElseThrow());

    assertThat(link).startsWith("http://127.0.0.1:" + endpoint.port() + "/media/").endsWith("/long%20message.txt");
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo(file);
    var h = answer.headers();
    assertThat(h.firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(h.firstValue("Content-Length")).hasValue("5000");
    assertThat(h.firstValue("Content-Disposition"))
        .hasValue("inline; filename=\"long message.txt\"; filename*=UTF-8''long%20message.txt");
    assertThat(h.firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(h.firstValue("Content-Security-Policy").orElseThrow()).startsWith("sandbox");
    assertThat(h.firstValue("Accept-Ranges")).hasValue("bytes");
    long maxAge = Long.parseLong(h.firstValue("Cache-Control").orElseThrow().replace("public, max-age=", ""));
    assertThat(maxAge).isBetween(Duration.ofDays(1).toSeconds() - 60, Duration.ofDays(1).toSeconds());
    assertThat(again.statusCode()).isEqualTo(304);
    // Fetched as the bridge from the authenticated API; the unauthenticated path was never tried.
    assertThat(hs.get().requests("GET", "/_matrix/client/v1/media/download/.*")).hasSize(1);
    assertThat(hs.get().requests("GET", "/_matrix/media/v3/download/.*")).isEmpty();
    assertThat(metrics.counter("switchboard.media.responses", "status", "200").count()).isEqualTo(1);
    assertThat(metrics.counter("switchboard.media.responses", "status", "304").count()).isEqualTo(1);
    assertThat(metrics.counter("switchboard.media.bytes").count()).isEqualTo(5000);
  }

  @Test
  void aFileThatIsNotSafeToShowIsADownloadUnderItsOwnName() throws Exception {
    start(c -> c);
    String mxc = upload("<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8), "text/html", "page.html");
    String link = endpoint.links().link(mxc, "Résumé \"2026\".html").orElseThrow();

    HttpResponse<byte[]> answer = get(link);

    assertThat(answer.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(answer.headers().firstValue("Content-Disposition")).hasValue(
        "attachment; filename=\"R_sum_ _2026_.html\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%222026%22.html");
    assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
  }

  @Test
  void anExpiredLinkIsRefused() throws Exception {
    start(c -> c);
    String mxc = upload(text(10), "text/plain", "a.txt");
    Clock fortyDaysAgo = Clock.fixed(Instant.now().minus(Duration.ofDays(40)), ZoneOffset.UTC);
    SignedMediaLinks old = new SignedMediaLinks(new LinkSigner(key, fortyDaysAgo),
        URI.create("http://127.0.0.1:" + endpoint.port()), Duration.ofDays(30), fortyDaysAgo);

    HttpResponse<byte[]> answer = get(old.link(mxc, "a.txt").orElseThrow());

    assertThat(answer.statusCode()).isEqualTo(403);
    assertThat(body(answer)).contains("expired");
    assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(hs.get().requests("GET", ".*/media/.*download.*")).isEmpty();
  }

  @Test
  void anAlteredLinkIsRefused() throws Exception {
    start(c -> c);
    String mxc = upload(text(10), "text/plain", "a.txt");
    String other = upload(text(20), "text/plain", "b.txt");
    String link = endpoint.links().link(mxc, "a.txt").orElseThrow();
    String base = link.substring(0, link.indexOf("/media/") + "/media/".length());
    String id = link.substring(base.length(), link.lastIndexOf('/'));
    byte[] raw = Base64.getUrlDecoder().decode(id);
    String otherId = other.substring(other.lastIndexOf('/') + 1);

    // One character changed, in the middle and at the very end (where unused bits could hide a change).
    String middle = id.substring(0, 10) + (id.charAt(10) == 'A' ? 'B' : 'A') + id.substring(11);
    String last = id.substring(0, id.length() - 1) + (id.charAt(id.length() - 1) == 'A' ? 'B' : 'A');
    // The other file's id put in place of this one's, the mac kept.
    byte[] swapped = raw.clone();
    System.arraycopy(otherId.getBytes(StandardCharsets.US_ASCII), 0, swapped, raw.length - 16 - otherId.length(),
        otherId.length());
    // The expiry moved a year on.
    byte[] extended = raw.clone();
    ByteBuffer.wrap(extended, 1, 4).putInt((int) (Integer.toUnsignedLong(ByteBuffer.wrap(raw, 1, 4).getInt())
        + Duration.ofDays(365).toSeconds()));
    // Signed with another bridge's key.
    String foreign = new SignedMediaLinks(new LinkSigner(MediaKeys.random(), Clock.systemUTC()),
        URI.create(base.substring(0, base.length() - "/media/".length())), Duration.ofDays(30), Clock.systemUTC())
        .link(mxc, "a.txt").orElseThrow();

    for (String forged : new String[] {middle, last, encode(swapped), encode(extended), id + "A", id.substring(1)}) {
      HttpResponse<byte[]> answer = get(base + forged + "/a.txt");
      assertThat(answer.statusCode()).as(forged).isEqualTo(403);
      assertThat(body(answer)).contains("not valid");
    }
    assertThat(get(foreign).statusCode()).isEqualTo(403);
    assertThat(metrics.counter("switchboard.media.responses", "status", "403").count()).isEqualTo(7);
    assertThat(get(base + encode(swapped).substring(0, 5) + "/a.txt").statusCode()).isEqualTo(403);
    assertThat(get(link).statusCode()).isEqualTo(200);
    assertThat(hs.get().requests("GET", ".*/media/.*download.*")).hasSize(1);
  }

  private static String encode(byte[] raw) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  @Test
  void rangesReturnTheRightBytesWhenTheHomeserverServesThem() throws Exception {
    rangesReturnTheRightBytes();
  }

  @Test
  void rangesReturnTheRightBytesWhenTheHomeserverSendsTheWholeFile() throws Exception {
    options = options.media(options.media().ranges(false));
    rangesReturnTheRightBytes();
  }

  private void rangesReturnTheRightBytes() throws Exception {
    start(c -> c);
    byte[] file = text(5000);
    String link = endpoint.links().link(upload(file, "audio/ogg", "voice.ogg"), "voice.ogg").orElseThrow();

    HttpResponse<byte[]> middle = get(link, "Range", "bytes=100-199");
    HttpResponse<byte[]> tail = get(link, "Range", "bytes=-10");
    HttpResponse<byte[]> open = get(link, "Range", "bytes=4990-");
    HttpResponse<byte[]> beyond = get(link, "Range", "bytes=6000-7000");

    assertThat(middle.statusCode()).isEqualTo(206);
    assertThat(middle.headers().firstValue("Content-Range")).hasValue("bytes 100-199/5000");
    assertThat(middle.headers().firstValue("Content-Length")).hasValue("100");
    assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(file, 100, 200));
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.headers().firstValue("Content-Range")).hasValue("bytes 4990-4999/5000");
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(file, 4990, 5000));
    assertThat(open.body()).isEqualTo(Arrays.copyOfRange(file, 4990, 5000));
    assertThat(beyond.statusCode()).isEqualTo(416);
    assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */5000");
  }

  @Test
  void headAnswersTheHeadersAlone() throws Exception {
    start(c -> c);
    String link = endpoint.links().link(upload(text(5000), "image/png", "cat.png"), "cat.png").orElseThrow();

    HttpResponse<byte[]> answer = send("HEAD", link);

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Content-Length")).hasValue("5000");
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("image/png");
    assertThat(answer.headers().firstValue("Content-Disposition").orElseThrow()).startsWith("inline;");
    assertThat(answer.body()).isEmpty();
  }

  @Test
  void aFileOverTheSizeCapIsRefusedBeforeStreaming() throws Exception {
    start(c -> c.withMaxBytes(4096));
    String small = endpoint.links().link(upload(text(4096), "text/plain", "ok.txt"), "ok.txt").orElseThrow();
    String big = endpoint.links().link(upload(text(4097), "text/plain", "big.txt"), "big.txt").orElseThrow();

    HttpResponse<byte[]> refused = get(big);
    HttpResponse<byte[]> refusedRange = get(big, "Range", "bytes=0-9");

    assertThat(get(small).statusCode()).isEqualTo(200);
    assertThat(refused.statusCode()).isEqualTo(413);
    assertThat(body(refused)).contains("4096 bytes");
    assertThat(refusedRange.statusCode()).isEqualTo(413);
  }

  @Test
  void aFileOfUnannouncedLengthIsCutOffAtTheSizeCap() throws Exception {
    // A homeserver (or a proxy in front of it) that sends the file chunked, without Content-Length.
    HttpServer chunked = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
    chunked.createContext("/", exchange -> {
      try (exchange) {
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, 0);
        exchange.getResponseBody().write(text(exchange.getRequestURI().getPath().contains("small") ? 4096 : 4097));
      }
    });
    chunked.start();
    try (MediaEndpoint capped = MediaEndpoint.start(MediaConfig.local().withMaxBytes(4096),
        URI.create("http://127.0.0.1:" + chunked.getAddress().getPort()), "token", key, Clock.systemUTC())) {
      HttpResponse<byte[]> small = get(capped.links().link("mxc://test.local/small", "s.bin").orElseThrow());

      assertThat(small.body()).isEqualTo(text(4096));
      assertThatThrownBy(() -> get(capped.links().link("mxc://test.local/big", "b.bin").orElseThrow()))
          .isInstanceOf(IOException.class);
    } finally {
      chunked.stop(0);
    }
  }

  @Test
  void downloadsBeyondTheConcurrencyCapWaitTheirTurn() throws Exception {
    start(c -> c.withMaxConcurrent(1).withMaxBytes(Long.MAX_VALUE));
    String big = hs.get().putGeneratedMedia(new SyntheticMedia(256L * 1024 * 1024, 3), "video/mp4", "film.mp4");
    String small = endpoint.links().link(upload(text(10), "text/plain", "a.txt"), "a.txt").orElseThrow();

    // A player that opens the film and reads nothing holds the one slot.
    HttpResponse<InputStream> film = client.send(HttpRequest.newBuilder(
        URI.create(endpoint.links().link(big, "film.mp4").orElseThrow())).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    HttpResponse<byte[]> busy = get(small);
    film.body().close();

    assertThat(film.statusCode()).isEqualTo(200);
    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).isPresent();
    await().atMost(Duration.ofSeconds(10)).until(() -> get(small).statusCode() == 200);
  }

  @Test
  void aDownloadTheClientTakesNothingOfEndsAndFreesItsSlot() throws Exception {
    start(c -> c.withMaxConcurrent(1).withMaxBytes(Long.MAX_VALUE)
        .withLimits(new ListenerLimits(16, Duration.ofSeconds(1), Duration.ofSeconds(30))));
    String big = hs.get().putGeneratedMedia(new SyntheticMedia(256L * 1024 * 1024, 3), "video/mp4", "film.mp4");
    String small = endpoint.links().link(upload(text(10), "text/plain", "a.txt"), "a.txt").orElseThrow();

    HttpResponse<InputStream> film = client.send(HttpRequest.newBuilder(
        URI.create(endpoint.links().link(big, "film.mp4").orElseThrow())).build(),
        HttpResponse.BodyHandlers.ofInputStream());

    // The reader stays open but reads nothing: after a second without progress the endpoint ends the download.
    await().atMost(Duration.ofSeconds(10)).until(() -> get(small).statusCode() == 200);
    try (InputStream body = film.body()) {
      long read = 0;
      try {
        read = body.transferTo(OutputStream.nullOutputStream());
      } catch (IOException cut) {
        // the connection was closed mid-body: as good as short
      }
      assertThat(read).isLessThan(256L * 1024 * 1024);
    }
  }

  @Test
  void aHomeserverBeforeMatrix111IsAskedOnTheOldPath() throws Exception {
    options = Options.defaults().media(Options.Media.defaults().authenticatedApi(false));
    start(c -> c);
    byte[] file = text(300);
    String link = endpoint.links().link(upload(file, "text/plain", "a.txt"), "a.txt").orElseThrow();

    HttpResponse<byte[]> first = get(link);
    HttpResponse<byte[]> second = get(link);

    assertThat(first.body()).isEqualTo(file);
    assertThat(second.body()).isEqualTo(file);
    // Asked once on the new path; from then on the old one only.
    assertThat(hs.get().requests("GET", "/_matrix/client/v1/media/download/.*")).hasSize(1);
    assertThat(hs.get().requests("GET", "/_matrix/media/v3/download/.*")).hasSize(2);
  }

  @Test
  void aThumbnailIsAskedForAtTheLinksSize() throws Exception {
    start(c -> c);
    byte[] image = text(800);
    String mxc = upload(image, "image/jpeg", "photo.jpg");
    String thumbnail = endpoint.links().thumbnail(mxc, "photo.jpg", 96, 5000).orElseThrow();
    String link = endpoint.links().link(mxc, "photo.jpg").orElseThrow();

    HttpResponse<byte[]> answer = get(thumbnail);

    assertThat(thumbnail).endsWith("/photo.jpg?thumbnail=96x1600");
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo(image); // the testkit's thumbnail is the original
    assertThat(answer.headers().firstValue("ETag")).isNotEqualTo(get(link).headers().firstValue("ETag"));
    var asked = hs.get().requests("GET", "/_matrix/client/v1/media/thumbnail/.*");
    assertThat(asked).hasSize(1);
    assertThat(asked.get(0).query()).containsEntry("width", List.of("96"))
        .containsEntry("height", List.of("1600")).containsEntry("method", List.of("scale"));
    assertThat(get(link + "?thumbnail=0x10").statusCode()).isEqualTo(400);
    assertThat(get(link + "?thumbnail=1601x10").statusCode()).isEqualTo(400);
    assertThat(get(link + "?thumbnail=big").statusCode()).isEqualTo(400);
  }

  @Test
  void unknownFilesAndPathsAreNotFound() throws Exception {
    start(c -> c);
    String gone = endpoint.links().link("mxc://test.local/nosuchfile", "x.txt").orElseThrow();
    String root = "http://127.0.0.1:" + endpoint.port();

    assertThat(get(gone).statusCode()).isEqualTo(404);
    assertThat(get(root + "/").statusCode()).isEqualTo(404);
    assertThat(get(root + "/media/abc").statusCode()).isEqualTo(404);
    assertThat(send("POST", gone).statusCode()).isEqualTo(405);
    assertThat(endpoint.links().link("https://example.org/x", "x")).isEmpty();
  }

  @Test
  void theProbeLinkIsAnsweredWithoutTheHomeserver() throws Exception {
    start(c -> c);

    HttpResponse<byte[]> answer = get(endpoint.links().probeLink());
    HttpResponse<byte[]> part = get(endpoint.links().probeLink(), "Range", "bytes=0-9");

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo(MediaRequests.PROBE_BODY);
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.body()).isEqualTo(Arrays.copyOf(MediaRequests.PROBE_BODY, 10));
    assertThat(hs.get().requests("GET", ".*/media/.*")).isEmpty();
  }
}
