package dev.switchboard.testkit.homeserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.homeserver.media.SyntheticMedia;
import dev.switchboard.testkit.spec.SpecSchemas;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The content repository's modes: authenticated media only, no authenticated API, ranges, generated files. */
class MediaRepositoryTest {
  private static SpecSchemas spec;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void loadSpec() {
    spec = SpecSchemas.load();
  }

  private static AppServiceRegistration bridgeOn(TestHomeserver hs) {
    AppServiceRegistration as = AppServiceRegistration.builder("irc").senderLocalpart("ircbot")
        .users("@_irc_.*:test\\.local", true).build();
    hs.registerAppService(as);
    return as;
  }

  private String upload(TestHomeserver hs, String token, String text) throws Exception {
    var upload = client.send(HttpRequest.newBuilder(URI.create(hs.baseUrl() + "/_matrix/media/v3/upload?filename=a.txt"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
    String mxc = MatrixHttp.JSON.readTree(upload.body()).path("content_uri").asText();
    return mxc.substring(mxc.lastIndexOf('/') + 1);
  }

  private HttpResponse<byte[]> get(TestHomeserver hs, String path, String token, String range) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(hs.baseUrl() + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (range != null) {
      b.header("Range", range);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void anAuthenticatedOnlyHomeserverServesMediaToTokenHoldersOnly() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults()
        .media(Options.Media.defaults().authenticatedOnly(true)), spec)) {
      String token = bridgeOn(hs).asToken();
      String id = upload(hs, token, "hello");

      var legacy = get(hs, "/_matrix/media/v3/download/test.local/" + id, null, null);
      var anonymous = get(hs, "/_matrix/client/v1/media/download/test.local/" + id, null, null);
      var withToken = get(hs, "/_matrix/client/v1/media/download/test.local/" + id, token, null);

      assertThat(legacy.statusCode()).isEqualTo(404);
      assertThat(new String(legacy.body(), StandardCharsets.UTF_8)).contains("M_NOT_FOUND");
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(new String(withToken.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
    }
  }

  @Test
  void aHomeserverBeforeMatrix111DoesNotKnowTheAuthenticatedPaths() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults()
        .media(Options.Media.defaults().authenticatedApi(false)), spec)) {
      String token = bridgeOn(hs).asToken();
      String id = upload(hs, token, "hello");

      var v1 = get(hs, "/_matrix/client/v1/media/download/test.local/" + id, token, null);
      var v3 = get(hs, "/_matrix/media/v3/download/test.local/" + id, null, null);

      assertThat(v1.statusCode()).isEqualTo(404);
      assertThat(new String(v1.body(), StandardCharsets.UTF_8)).contains("M_UNRECOGNIZED");
      assertThat(new String(v3.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
    }
  }

  @Test
  void rangesOfAGeneratedFileAreServedFromTheRule() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults(), spec)) {
      String token = bridgeOn(hs).asToken();
      SyntheticMedia big = new SyntheticMedia(3L * 1024 * 1024 * 1024, 7);
      String mxc = hs.putGeneratedMedia(big, "video/mp4", "big.mp4");
      String path = "/_matrix/client/v1/media/download/" + mxc.substring("mxc://".length());
      byte[] expected = new byte[100];
      big.copy(2L * 1024 * 1024 * 1024 + 5, expected, 0, 100);

      var middle = get(hs, path, token, "bytes=" + (2L * 1024 * 1024 * 1024 + 5) + "-" + (2L * 1024 * 1024 * 1024 + 104));
      var beyond = get(hs, path, token, "bytes=" + (4L * 1024 * 1024 * 1024) + "-");

      assertThat(middle.statusCode()).isEqualTo(206);
      assertThat(middle.headers().firstValue("Content-Range")).hasValue("bytes 2147483653-2147483752/3221225472");
      assertThat(middle.body()).isEqualTo(expected);
      assertThat(beyond.statusCode()).isEqualTo(416);
    }
  }

  @Test
  void aThumbnailNeedsItsSizeAndIsTheOriginalFile() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults(), spec)) {
      String token = bridgeOn(hs).asToken();
      String id = upload(hs, token, "pixels");
      String path = "/_matrix/client/v1/media/thumbnail/test.local/" + id;

      var sized = get(hs, path + "?width=64&height=48&method=scale", token, null);
      var unsized = get(hs, path, token, null);

      assertThat(new String(sized.body(), StandardCharsets.UTF_8)).isEqualTo("pixels");
      assertThat(unsized.statusCode()).isEqualTo(400);
      hs.clearSchemaViolations(); // the request without a size breaks the spec on purpose
    }
  }
}
