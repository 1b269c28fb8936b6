package dev.switchboard.irc.portal;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.irc.NgircdServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Third-party lookups for protocol {@code irc}, asked the way a homeserver asks: over the AS API. */
class IrcThirdPartyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  final HomeserverFixture hs = HomeserverFixture.start(Options.defaults().serverName("test.local"));
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port(), network -> network.putArray("channels_allowed").add("#java")));

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + bridge.get().port() + "/_matrix/app/v1/thirdparty" + path))
        .header("Authorization", "Bearer " + IrcBridgeHarness.HS_TOKEN).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** The spec's answer when nothing matches: 404 M_NOT_FOUND, not an empty list. */
  private void assertNotFound(String path) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + bridge.get().port() + "/_matrix/app/v1/thirdparty" + path))
        .header("Authorization", "Bearer " + IrcBridgeHarness.HS_TOKEN).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
    assertThat(JSON.readTree(r.body()).path("errcode").asText()).isEqualTo("M_NOT_FOUND");
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void theProtocolListsEachNetworkAsAnInstance() throws Exception {
    JsonNode protocol = get("/protocol/irc");

    assertThat(protocol.path("location_fields").toString()).isEqualTo("[\"network\",\"channel\"]");
    assertThat(protocol.path("user_fields").toString()).isEqualTo("[\"network\",\"nickname\"]");
    assertThat(protocol.path("instances").get(0).path("network_id").asText()).isEqualTo("test");
    assertThat(protocol.path("instances").get(0).path("fields").path("network").asText()).isEqualTo("test");
  }

  @Test
  void locationsAndUsersAreFoundBothWays() throws Exception {
    JsonNode location = get("/location/irc?network=test&channel=" + q("#java"));
    assertThat(location).hasSize(1);
    assertThat(location.get(0).path("alias").asText()).isEqualTo("#_irc_test_#java:test.local");
    assertNotFound("/location/irc?network=test&channel=" + q("#other")); // not in channels_allowed
    assertNotFound("/location/irc?network=nope&channel=" + q("#java"));
    assertThat(get("/location?alias=" + q("#_irc_test_#java:test.local")).get(0).path("fields").path("channel")
        .asText()).isEqualTo("#java");

    JsonNode user = get("/user/irc?network=test&nickname=" + q("Alice[m]"));
    assertThat(user.get(0).path("userid").asText()).isEqualTo("@_irc_test_alice=5bm=5d:test.local");
    assertNotFound("/user/irc?network=test&nickname=" + q("9bad"));
    JsonNode back = get("/user?userid=" + q("@_irc_test_alice=5bm=5d:test.local"));
    assertThat(back.get(0).path("fields").path("nickname").asText()).isEqualTo("alice[m]");
    assertThat(back.get(0).path("fields").path("network").asText()).isEqualTo("test");
    assertNotFound("/user?userid=" + q("@someone:test.local"));
  }
}
