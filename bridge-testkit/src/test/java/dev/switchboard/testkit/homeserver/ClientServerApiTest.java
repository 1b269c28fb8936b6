package dev.switchboard.testkit.homeserver;

import static dev.switchboard.testkit.homeserver.MatrixHttp.enc;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.spec.SpecSchemas;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client-server API over HTTP, as a bridge uses it with its AS token. */
class ClientServerApiTest {
  private static final String V3 = "/_matrix/client/v3";
  private static SpecSchemas spec;
  private TestHomeserver hs;
  private AppServiceRegistration irc;
  private MatrixHttp bridge;

  @BeforeAll
  static void loadSpec() {
    spec = SpecSchemas.load();
  }

  @BeforeEach
  void start() {
    hs = TestHomeserver.start(Options.defaults(), spec);
    irc = AppServiceRegistration.builder("irc").senderLocalpart("ircbot")
        .users("@_irc_.*:test\\.local", true).aliases("#_irc_.*:test\\.local", true).build();
    hs.registerAppService(irc);
    bridge = new MatrixHttp(hs.baseUrl(), irc.asToken());
  }

  @AfterEach
  void stop() {
    hs.close();
  }

  private MatrixHttp.Answer register(String localpart) throws Exception {
    return bridge.post(V3 + "/register", "{\"type\":\"m.login.application_service\",\"username\":\"" + localpart
        + "\",\"inhibit_login\":true}");
  }

  @Test
  void theAppServiceRegistersAGhostInItsNamespaceOnce() throws Exception {
    MatrixHttp.Answer first = register("_irc_alice");
    MatrixHttp.Answer second = register("_irc_alice");

    assertThat(first.status()).isEqualTo(200);
    assertThat(first.body().path("user_id").asText()).isEqualTo("@_irc_alice:test.local");
    assertThat(first.body().has("access_token")).isFalse();
    assertThat(second.status()).isEqualTo(400);
    assertThat(second.errcode()).isEqualTo("M_USER_IN_USE");
  }

  @Test
  void theAppServiceCannotRegisterOutsideItsNamespace() throws Exception {
    MatrixHttp.Answer answer = register("mallory");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.errcode()).isEqualTo("M_EXCLUSIVE");
  }

  @Test
  void aNormalUserCannotTakeAnExclusiveName() throws Exception {
    MatrixHttp anonymous = new MatrixHttp(hs.baseUrl(), null);
    MatrixHttp.Answer uia = anonymous.post(V3 + "/register", "{\"username\":\"_irc_bob\",\"password\":\"pw\"}");
    MatrixHttp.Answer answer = anonymous.post(V3 + "/register",
        "{\"username\":\"_irc_bob\",\"password\":\"pw\",\"auth\":{\"type\":\"m.login.dummy\"}}");

    assertThat(uia.status()).isEqualTo(401);
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.errcode()).isEqualTo("M_EXCLUSIVE");
  }

  @Test
  void identityAssertionActsAsARegisteredGhost() throws Exception {
    register("_irc_alice");

    MatrixHttp.Answer whoami = bridge.get(V3 + "/account/whoami?user_id=" + enc("@_irc_alice:test.local"));
    MatrixHttp.Answer bot = bridge.get(V3 + "/account/whoami");

    assertThat(whoami.body().path("user_id").asText()).isEqualTo("@_irc_alice:test.local");
    assertThat(bot.body().path("user_id").asText()).isEqualTo("@ircbot:test.local");
  }

  @Test
  void assertingAUserOutsideTheNamespacesIsForbidden() throws Exception {
    hs.user("alice");
    MatrixHttp.Answer outside = bridge.get(V3 + "/account/whoami?user_id=" + enc("@alice:test.local"));
    MatrixHttp.Answer unregistered = bridge.get(V3 + "/account/whoami?user_id=" + enc("@_irc_nobody:test.local"));

    assertThat(outside.status()).isEqualTo(403);
    assertThat(outside.errcode()).isEqualTo("M_FORBIDDEN");
    assertThat(unregistered.status()).isEqualTo(403);
  }

  @Test
  void missingAndUnknownTokensAre401() throws Exception {
    MatrixHttp.Answer missing = new MatrixHttp(hs.baseUrl(), null).get(V3 + "/account/whoami");
    MatrixHttp.Answer unknown = new MatrixHttp(hs.baseUrl(), "nope").get(V3 + "/account/whoami");
    MatrixHttp.Answer legacyQuery = new MatrixHttp(hs.baseUrl(), null)
        .get(V3 + "/account/whoami?access_token=" + irc.asToken());

    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.errcode()).isEqualTo("M_MISSING_TOKEN");
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(unknown.errcode()).isEqualTo("M_UNKNOWN_TOKEN");
    assertThat(legacyQuery.status()).isEqualTo(200);
  }

  @Test
  void anUnknownEndpointIs404Unrecognized() throws Exception {
    MatrixHttp.Answer answer = bridge.get(V3 + "/no/such/thing");

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.errcode()).isEqualTo("M_UNRECOGNIZED");
    assertThat(answer.body().has("error")).isTrue();
  }

  @Test
  void sendingTwiceWithTheSameTxnIdPostsOnce() throws Exception {
    String room = createRoomAsBot();
    String path = V3 + "/rooms/" + enc(room) + "/send/m.room.message/txn-1";
    String body = "{\"msgtype\":\"m.text\",\"body\":\"hello\"}";

    MatrixHttp.Answer first = bridge.put(path, body);
    MatrixHttp.Answer again = bridge.put(path, body);
    MatrixHttp.Answer other = bridge.put(V3 + "/rooms/" + enc(room) + "/send/m.room.message/txn-2", body);

    assertThat(first.status()).isEqualTo(200);
    assertThat(again.body().path("event_id")).isEqualTo(first.body().path("event_id"));
    assertThat(other.body().path("event_id")).isNotEqualTo(first.body().path("event_id"));
    assertThat(hs.timeline(room).stream().filter(e -> e.path("type").asText().equals("m.room.message")))
        .hasSize(2);
    assertThat(hs.requests("PUT", "/send/m.room.message/txn-1")).hasSize(2);
  }

  @Test
  void theAppServiceMayMassageTimestamps() throws Exception {
    String room = createRoomAsBot();

    MatrixHttp.Answer sent = bridge.put(V3 + "/rooms/" + enc(room) + "/send/m.room.message/t?ts=1234",
        "{\"msgtype\":\"m.text\",\"body\":\"old\"}");

    JsonNodeAssert.eventWithId(hs, room, sent.body().path("event_id").asText());
    assertThat(hs.timeline(room).get(hs.timeline(room).size() - 1).path("origin_server_ts").asLong())
        .isEqualTo(1234L);
  }

  @Test
  void aGhostJoinsAPublicRoomAndSetsItsRoomState() throws Exception {
    String room = hs.user("alice").createRoom(RoomSpec.publicRoom());
    register("_irc_bob");
    String asBob = "?user_id=" + enc("@_irc_bob:test.local");

    MatrixHttp.Answer join = bridge.post(V3 + "/join/" + enc(room) + asBob, "{}");
    MatrixHttp.Answer joined = bridge.get(V3 + "/joined_rooms" + asBob);
    MatrixHttp.Answer members = bridge.get(V3 + "/rooms/" + enc(room) + "/members" + asBob);
    MatrixHttp.Answer name = bridge.put(V3 + "/profile/" + enc("@_irc_bob:test.local") + "/displayname" + asBob,
        "{\"displayname\":\"bob (IRC)\"}");

    assertThat(join.status()).isEqualTo(200);
    assertThat(joined.body().path("joined_rooms").get(0).asText()).isEqualTo(room);
    assertThat(members.body().path("chunk")).hasSize(2);
    assertThat(name.status()).isEqualTo(200);
    assertThat(hs.displayName("@_irc_bob:test.local")).isEqualTo("bob (IRC)");
  }

  @Test
  void aGhostSetsItsOwnPresenceAndAnUpdateWithoutAMessageClearsIt() throws Exception {
    register("_irc_bob");
    register("_irc_carol");
    String bob = enc("@_irc_bob:test.local");
    String asBob = "?user_id=" + bob;

    MatrixHttp.Answer away = bridge.put(V3 + "/presence/" + bob + "/status" + asBob,
        "{\"presence\":\"unavailable\",\"status_msg\":\"lunch\"}");
    MatrixHttp.Answer seen = bridge.get(V3 + "/presence/" + bob + "/status");
    var whileAway = hs.presence("@_irc_bob:test.local");
    MatrixHttp.Answer back = bridge.put(V3 + "/presence/" + bob + "/status" + asBob, "{\"presence\":\"online\"}");
    MatrixHttp.Answer seenBack = bridge.get(V3 + "/presence/" + bob + "/status");
    MatrixHttp.Answer forCarol = bridge.put(V3 + "/presence/" + enc("@_irc_carol:test.local") + "/status" + asBob,
        "{\"presence\":\"offline\"}");
    MatrixHttp.Answer carol = bridge.get(V3 + "/presence/" + enc("@_irc_carol:test.local") + "/status");
    MatrixHttp.Answer nobody = bridge.get(V3 + "/presence/" + enc("@_irc_nobody:test.local") + "/status");

    assertThat(away.status()).isEqualTo(200);
    assertThat(seen.body().path("presence").asText()).isEqualTo("unavailable");
    assertThat(seen.body().path("status_msg").asText()).isEqualTo("lunch");
    assertThat(whileAway.presence()).isEqualTo("unavailable");
    assertThat(whileAway.statusMsg()).isEqualTo("lunch");
    assertThat(back.status()).isEqualTo(200);
    assertThat(seenBack.body().path("presence").asText()).isEqualTo("online");
    assertThat(seenBack.body().has("status_msg")).isFalse();
    assertThat(hs.presence("@_irc_bob:test.local").statusMsg()).isNull();
    assertThat(forCarol.status()).isEqualTo(403);
    assertThat(forCarol.errcode()).isEqualTo("M_FORBIDDEN");
    assertThat(carol.body().path("presence").asText()).isEqualTo("offline");
    assertThat(hs.presence("@_irc_carol:test.local")).isNull();
    assertThat(nobody.status()).isEqualTo(404);
  }

  @Test
  void mediaUploadsComeBackFromBothDownloadPaths() throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    var upload = client.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(hs.baseUrl() + "/_matrix/media/v3/upload?filename=a.txt"))
        .header("Authorization", "Bearer " + irc.asToken()).header("Content-Type", "text/plain")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("hello")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    String mxc = MatrixHttp.JSON.readTree(upload.body()).path("content_uri").asText();
    String id = mxc.substring(mxc.lastIndexOf('/') + 1);

    MatrixHttp.Answer v1 = bridge.get("/_matrix/client/v1/media/download/test.local/" + id);
    MatrixHttp.Answer v3 = new MatrixHttp(hs.baseUrl(), null).get("/_matrix/media/v3/download/test.local/" + id);

    assertThat(mxc).startsWith("mxc://test.local/");
    assertThat(v1.raw().body()).isEqualTo("hello");
    assertThat(v3.raw().body()).isEqualTo("hello");
  }

  private String createRoomAsBot() throws Exception {
    return bridge.post(V3 + "/createRoom", "{\"preset\":\"private_chat\"}").body().path("room_id").asText();
  }
}
