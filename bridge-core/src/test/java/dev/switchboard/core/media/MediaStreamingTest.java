package dev.switchboard.core.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.media.SyntheticMedia;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A gigabyte streamed through the endpoint while the endpoint's JVM has a 64 MiB heap and 32 MiB of direct memory:
 * it can only pass if the file is relayed as it arrives, with the client's pace holding the homeserver back.
 */
class MediaStreamingTest {
  private static final long GIGABYTE = 1024L * 1024 * 1024;

  @RegisterExtension
  final Fixture<TestHomeserver> hs = HomeserverFixture.start(Options.defaults()
      .media(Options.Media.defaults().authenticatedOnly(true)));

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aGigabyteIsStreamedByAnEndpointWithASmallHeap() throws Exception {
    AppServiceRegistration registration = AppServiceRegistration.builder("switchboard").senderLocalpart("switchboard")
        .users("@_irc_.*:test\\.local", true).build();
    hs.get().registerAppService(registration);
    SyntheticMedia film = new SyntheticMedia(GIGABYTE, 42);
    String mxc = hs.get().putGeneratedMedia(film, "video/mp4", "film.mp4");
    byte[] key = MediaKeys.random();

    Process endpoint = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-XX:MaxDirectMemorySize=32m", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
        MediaEndpointProcess.class.getName(), hs.get().baseUrl(), registration.asToken(),
        Base64.getEncoder().encodeToString(key))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(endpoint.getInputStream(), StandardCharsets.UTF_8));
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.startsWith("port="));
      assertThat(line).as("the endpoint's JVM printed its port").isNotNull();
      String link = new SignedMediaLinks(new LinkSigner(key, Clock.systemUTC()),
          URI.create("http://127.0.0.1:" + line.substring("port=".length())), Duration.ofDays(1), Clock.systemUTC())
          .link(mxc, "film.mp4").orElseThrow();

      HttpResponse<InputStream> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(link))
          .build(), HttpResponse.BodyHandlers.ofInputStream());

      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValueAsLong("Content-Length")).hasValue(GIGABYTE);
      long position = 0;
      byte[] got = new byte[256 * 1024];
      byte[] expected = new byte[got.length];
      try (InputStream body = answer.body()) {
        int n;
        while ((n = body.readNBytes(got, 0, got.length)) > 0) {
          film.copy(position, expected, 0, n);
          if (!Arrays.equals(got, 0, n, expected, 0, n)) {
            throw new AssertionError("bytes differ in the 256 KiB from offset " + position);
          }
          position += n;
        }
      }
      assertThat(position).isEqualTo(GIGABYTE);
      assertThat(endpoint.isAlive()).as("the endpoint survived (no OutOfMemoryError)").isTrue();
    } finally {
      endpoint.getOutputStream().close();
      if (!endpoint.waitFor(10, TimeUnit.SECONDS)) {
        endpoint.destroyForcibly();
      }
    }
  }
}
