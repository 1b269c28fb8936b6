package dev.switchboard.xmpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
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

/**
 * Third-party lookups for protocol {@code xmpp}, asked the way a homeserver asks (over the AS API), and the portal
 * alias the location lookup names leads into the MUC (Prosody).
 */
class XmppThirdPartyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));

  private HttpResponse<String> ask(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + f.get().bridge.port() + "/_matrix/app/v1/thirdparty" + path))
        .header("Authorization", "Bearer " + BridgeHarness.HS_TOKEN).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> r = ask(path);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private void assertNotFound(String path) throws Exception {
    HttpResponse<String> r = ask(path);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void locationsAndUsersBothWays() throws Exception {
    String server = f.get().hs.serverName();

    JsonNode protocol = get("/protocol/xmpp");
    assertThat(protocol.path("location_fields").toString()).isEqualTo("[\"room\"]");
    assertThat(protocol.path("user_fields").toString()).isEqualTo("[\"jid\"]");
    assertThat(protocol.path("instances").get(0).path("network_id").asText()).isEqualTo("xmpp");

    // A MUC -> its portal alias, which really leads into the MUC.
    JsonNode locations = get("/location/xmpp?room=" + q(f.get().muc()));
    assertThat(locations).hasSize(1);
    String alias = locations.get(0).path("alias").asText();
    assertThat(alias).isEqualTo(f.get().alias());
    assertThat(locations.get(0).path("fields").path("room").asText()).isEqualTo(f.get().muc());
    TestUser alice = f.get().hs.user("alice");
    String room = alice.join(alias);
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
    // xmpp: URIs work too; and back from the alias.
    assertThat(get("/location/xmpp?room=" + q("xmpp:" + f.get().muc() + "?join")).get(0).path("alias").asText())
        .isEqualTo(alias);
    assertThat(get("/location?alias=" + q(alias)).get(0).path("fields").path("room").asText()).isEqualTo(f.get().muc());

    // A gateway room on our own component -> the Matrix room's own alias.
    alice.createRoom(RoomSpec.publicRoom().alias("lobby"));
    String gatewayJid = "#lobby\\3a" + server + "@" + ProsodyServer.COMPONENT;
    assertThat(get("/location/xmpp?room=" + q(gatewayJid)).get(0).path("alias").asText())
        .isEqualTo("#lobby:" + server);

    // An XMPP address -> its ghost, and back; occupant ghosts and our own component's addresses are not users.
    JsonNode users = get("/user/xmpp?jid=" + q("carol@" + ProsodyServer.HOST));
    assertThat(users.get(0).path("userid").asText()).isEqualTo("@_xmpp_carol=40" + ProsodyServer.HOST + ":" + server);
    assertThat(get("/user?userid=" + q("@_xmpp_carol=40" + ProsodyServer.HOST + ":" + server)).get(0)
        .path("fields").path("jid").asText()).isEqualTo("carol@" + ProsodyServer.HOST);
    assertNotFound("/user?userid=" + q(f.get().ghostOf("bob")));
    assertNotFound("/user/xmpp?jid=" + q("alice\\3a" + server + "@" + ProsodyServer.COMPONENT));
    assertNotFound("/location/xmpp?room=" + q("not a jid"));
    assertNotFound("/location?alias=" + q("#unrelated:" + server));
  }
}
