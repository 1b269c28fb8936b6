package dev.switchboard.core.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.homeserver.MatrixRequest;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.runtime.BridgeRuntime;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenID tokens of users of another homeserver, over real HTTP: the bridge's own testkit homeserver and a second one
 * named {@code other.test} that issues the tokens. The bridge is configured with {@code openid_other_servers: listed}
 * and a URL for {@code other.test} (discovery cannot reach a test server: only 127.0.0.1 is reachable here).
 */
class OpenIdOtherServersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "provisioning-secret-0123456789";
  private static final String AS_TOKEN = "as-token-openid-other";
  private static final String HS_TOKEN = "hs-token-openid-other";

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  @RegisterExtension
  final HomeserverFixture hs = HomeserverFixture.start();
  @RegisterExtension
  final HomeserverFixture other = HomeserverFixture.start(Options.defaults().serverName("other.test"));
  @RegisterExtension
  final Fixture<BridgeRuntime> runtime = Fixture.of(this::startBridge);

  private record Answer(int status, JsonNode body) {
    String errcode() {
      return body.path("errcode").asText();
    }
  }

  private BridgeRuntime startBridge() throws Exception {
    TestHomeserver hs = this.hs.get();
    String server = hs.serverName();
    FakeLinkingConnector irc = new FakeLinkingConnector(server);
    Permissions permissions = Permissions.fromConfig(JSON.valueToTree(Map.of("other.test", "user")), server);
    BridgeRuntime runtime = BridgeRuntime.start(BridgeRuntime.Settings.builder(server, URI.create(hs.baseUrl()),
            irc.namespaces(), AS_TOKEN, HS_TOKEN).maxBodyBytes(1024 * 1024).permissions(permissions).build(),
        Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of()),
        new SecretBox(new byte[SecretBox.KEY_BYTES], new SecureRandom()), List.of(irc),
        new ProvisioningConfig(true, "127.0.0.1", 0, SECRET, URI.create(hs.baseUrl()), Duration.ofMinutes(1),
            Duration.ofMinutes(1), OpenIdVerifier.OtherServers.LISTED, Map.of(
                "Other.test", URI.create(other.get().baseUrl()),
                // A server that would pass another server's answer off as its own: its users' ids must match.
                "impostor.test", URI.create(other.get().baseUrl()))));
    hs.registerAppService(AppServiceRegistration.builder("switchboard")
        .url("http://127.0.0.1:" + runtime.port()).asToken(AS_TOKEN).hsToken(HS_TOKEN).senderLocalpart("switchboard")
        .users(irc.namespaces().users().get(0).regex(), true)
        .build());
    return runtime;
  }

  private Answer whoami(String token, String serverName) throws Exception {
    String query = serverName == null ? "" : "?matrix_server_name=" + MatrixRequest.encode(serverName);
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.get().provisioningPort()
            + ProvisioningServer.PREFIX + "/whoami" + query))
        .header("Authorization", "Bearer openid:" + token).timeout(Duration.ofSeconds(30)).build();
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body()));
  }

  @Test
  void aUserOfAListedServerIsVouchedForByThatServerAndGetsTheLevelOfTheirDomain() throws Exception {
    String carolsToken = other.get().user("carol").requestOpenIdToken();

    Answer carol = whoami(carolsToken, "other.test");

    assertThat(carol.status()).as(carol.body().toString()).isEqualTo(200);
    assertThat(carol.body().path("user_id").asText()).isEqualTo("@carol:other.test");
    assertThat(carol.body().path("level").asText()).isEqualTo("user");
  }

  @Test
  void theServerAskedIsTheOneNamedAndItCanVouchOnlyForItsOwnUsers() throws Exception {
    String carolsToken = other.get().user("carol").requestOpenIdToken();

    assertThat(whoami(carolsToken, null)).as("without a server name the bridge's own homeserver is asked")
        .extracting(Answer::status, Answer::errcode).containsExactly(401, "M_UNKNOWN_TOKEN");
    assertThat(whoami(carolsToken, "impostor.test")).as("other.test's answer names a user not of impostor.test")
        .extracting(Answer::status, Answer::errcode).containsExactly(401, "M_UNKNOWN_TOKEN");
    assertThat(whoami(other.get().user("dave").requestOpenIdToken(), hs.get().serverName()))
        .as("a token of other.test is unknown to the own homeserver").extracting(Answer::status)
        .isEqualTo(401);
    Answer alice = whoami(hs.get().user("alice").requestOpenIdToken(), hs.get().serverName());
    assertThat(alice.status()).isEqualTo(200);
    assertThat(alice.body().path("user_id").asText()).isEqualTo("@alice:" + hs.get().serverName());
  }

  @Test
  void unlistedServersAreNotAskedAndBadServerNamesAreRefused() throws Exception {
    String carolsToken = other.get().user("carol").requestOpenIdToken();

    Answer unlisted = whoami(carolsToken, "elsewhere.test");
    Answer bad = whoami(carolsToken, "other.test/evil?x=");

    assertThat(unlisted).extracting(Answer::status, Answer::errcode).containsExactly(401, "M_UNKNOWN_TOKEN");
    assertThat(unlisted.body().path("error").asText()).contains("elsewhere.test", "not accepted");
    assertThat(bad).extracting(Answer::status, Answer::errcode).containsExactly(400, "M_INVALID_PARAM");
  }
}
