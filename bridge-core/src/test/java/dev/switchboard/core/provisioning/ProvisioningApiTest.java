package dev.switchboard.core.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.homeserver.MatrixRequest;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Permissions;
import dev.switchboard.core.runtime.BridgeRuntime;
import dev.switchboard.core.store.Database;
import dev.switchboard.core.store.LoginStore;
import dev.switchboard.core.store.Secret;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provisioning API over real HTTP, with the bridge runtime against the testkit homeserver (which checks OpenID
 * tokens) and a linking connector shaped like IRC. Every endpoint, and every permission rule.
 */
class ProvisioningApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "provisioning-secret-0123456789";
  private static final String AS_TOKEN = "as-token-provisioning-test";
  private static final String HS_TOKEN = "hs-token-provisioning-test";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String V1 = ProvisioningServer.PREFIX;

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  @RegisterExtension
  final HomeserverFixture hs = HomeserverFixture.start();
  /** How long a link may wait for the remote side; a test may shorten it and start the bridge again. */
  private Duration linkTimeout = Duration.ofSeconds(60);
  @RegisterExtension
  final Fixture<BridgeRuntime> runtime = Fixture.of(this::startBridge);
  private FakeLinkingConnector irc;
  private SecretBox secrets;
  private String bot;
  private TestUser root;
  private TestUser alice;
  private TestUser eve;
  private TestUser bob;
  private TestUser mallory;
  /** Root's room, where the bot is joined and root is the only moderator. */
  private String rootRoom;

  private record Answer(int status, JsonNode body) {
    String errcode() {
      return body.path("errcode").asText();
    }
  }

  private BridgeRuntime startBridge() throws Exception {
    TestHomeserver hs = this.hs.get();
    String server = hs.serverName();
    irc = new FakeLinkingConnector(server);
    secrets = new SecretBox(new byte[SecretBox.KEY_BYTES], new SecureRandom());
    Permissions permissions = Permissions.fromConfig(JSON.valueToTree(Map.of(
        "@root:" + server, "admin",
        "@eve:" + server, "admin",
        "@mallory:" + server, "none")), server);
    BridgeRuntime bridge = BridgeRuntime.start(BridgeRuntime.Settings.builder(server, URI.create(hs.baseUrl()),
            irc.namespaces(), AS_TOKEN, HS_TOKEN).maxBodyBytes(1024 * 1024).permissions(permissions).build(),
        Database.open("jdbc:sqlite:" + dir.resolve("bridge.db"), null, null, List.of()), secrets, List.of(irc),
        new ProvisioningConfig(true, "127.0.0.1", 0, SECRET, URI.create(hs.baseUrl()), Duration.ofMinutes(1),
            linkTimeout));
    hs.registerAppService(AppServiceRegistration.builder("switchboard")
        .url("http://127.0.0.1:" + bridge.port()).asToken(AS_TOKEN).hsToken(HS_TOKEN).senderLocalpart("switchboard")
        .users(irc.namespaces().users().get(0).regex(), true)
        .aliases(irc.namespaces().aliases().get(0).regex(), true)
        .build());
    return bridge;
  }

  @BeforeEach
  void start() {
    runtime.get();
    bot = "@switchboard:" + hs.get().serverName();
    root = hs.get().user("root");
    alice = hs.get().user("alice");
    eve = hs.get().user("eve");
    bob = hs.get().user("bob");
    mallory = hs.get().user("mallory");
    rootRoom = roomWithBot(root);
    root.invite(rootRoom, eve.userId());
    eve.join(rootRoom);
    root.invite(rootRoom, bob.userId());
    bob.join(rootRoom);
  }

  private String roomWithBot(TestUser owner) {
    String room = owner.createRoom();
    owner.invite(room, bot);
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(bot)));
    return room;
  }

  private static String openId(TestUser user) {
    return "openid:" + user.requestOpenIdToken();
  }

  private Answer call(String method, String path, String auth, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.get().provisioningPort()
        + V1 + path)).timeout(Duration.ofSeconds(90));
    if (auth != null) {
      b.header("Authorization", "Bearer " + auth);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body()));
  }

  private CompletableFuture<Answer> callAsync(String method, String path, String auth, String body) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return call(method, path, auth, body);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static String links(String room) {
    return "/rooms/" + MatrixRequest.encode(room) + "/links";
  }

  private Answer link(String room, String remote, String auth) throws Exception {
    return call("POST", links(room), auth, "{\"protocol\":\"irc\",\"remote_room\":\"" + remote + "\"}");
  }

  private Answer unlink(String room, String remote, String auth) throws Exception {
    return call("DELETE", links(room) + "?protocol=irc&remote_room=" + MatrixRequest.encode(remote), auth, null);
  }

  private List<String> linkedRemotes(String room) {
    return runtime.get().portals().linksOf(RoomId.of(room)).stream().map(l -> l.remoteId()).toList();
  }

  @Test
  void requestsWithoutValidCredentialsAreRefusedWithMatrixErrors() throws Exception {
    assertThat(call("GET", "/networks", null, null)).extracting(Answer::status, Answer::errcode)
        .containsExactly(401, "M_MISSING_TOKEN");
    assertThat(call("GET", "/networks", "not-the-secret-at-all", null)).extracting(Answer::status, Answer::errcode)
        .containsExactly(401, "M_UNKNOWN_TOKEN");
    assertThat(call("GET", "/networks", "openid:forged", null)).extracting(Answer::status, Answer::errcode)
        .containsExactly(401, "M_UNKNOWN_TOKEN");
    assertThat(call("GET", "/networks?user_id=" + MatrixRequest.encode(root.userId()), openId(alice), null))
        .as("an OpenID token cannot speak for someone else").extracting(Answer::status, Answer::errcode)
        .containsExactly(403, "M_FORBIDDEN");
    assertThat(call("GET", "/nonsense", SECRET, null)).extracting(Answer::status, Answer::errcode)
        .containsExactly(404, "M_UNRECOGNIZED");
    assertThat(call("POST", "/networks", SECRET, "{}")).extracting(Answer::status, Answer::errcode)
        .containsExactly(405, "M_UNRECOGNIZED");
    assertThat(call("POST", links(rootRoom), SECRET, "not json")).extracting(Answer::status, Answer::errcode)
        .containsExactly(400, "M_NOT_JSON");
    assertThat(call("POST", links(rootRoom), SECRET, "{\"protocol\":\"irc\"}"))
        .extracting(Answer::status, Answer::errcode).containsExactly(400, "M_MISSING_PARAM");
    assertThat(call("GET", "/rooms/not-a-room/links", SECRET, null)).extracting(Answer::status, Answer::errcode)
        .containsExactly(400, "M_INVALID_PARAM");
    assertThat(call("POST", links(rootRoom), null, "{}")).as("credentials are checked before parameters")
        .extracting(Answer::status, Answer::errcode).containsExactly(401, "M_MISSING_TOKEN");
  }

  @Test
  void networksListsTheConnectorsForAnyoneWithALevelButNotForTheShutOut() throws Exception {
    Answer bySecret = call("GET", "/networks", SECRET, null);
    Answer byAlice = call("GET", "/networks", openId(alice), null);
    Answer byMallory = call("GET", "/networks", openId(mallory), null);

    assertThat(bySecret.status()).isEqualTo(200);
    JsonNode irc = bySecret.body().path("networks").get(0);
    assertThat(irc.path("protocol").asText()).isEqualTo("irc");
    assertThat(irc.path("state").asText()).isEqualTo("RUNNING");
    assertThat(irc.path("can_link").asBoolean()).isTrue();
    assertThat(byAlice.status()).isEqualTo(200);
    assertThat(byMallory).extracting(Answer::status, Answer::errcode).containsExactly(403, "M_FORBIDDEN");
  }

  @Test
  void whoamiShowsTheCallersLevelAndLoginsButNoSecrets() throws Exception {
    new LoginStore(runtime.get().database(), secrets, Clock.systemUTC()).save(
        new LoginStore.LoginKey(UserId.of(alice.userId()), "irc", "test"), "alice_irc", null,
        new Secret("nickserv-password-of-alice"));

    Answer me = call("GET", "/whoami", openId(alice), null);
    Answer integration = call("GET", "/whoami", SECRET, null);
    Answer onBehalf = call("GET", "/whoami?user_id=" + MatrixRequest.encode(root.userId()), SECRET, null);

    assertThat(me.status()).isEqualTo(200);
    assertThat(me.body().path("user_id").asText()).isEqualTo(alice.userId());
    assertThat(me.body().path("level").asText()).isEqualTo("user");
    assertThat(me.body().path("via").asText()).isEqualTo("openid");
    JsonNode login = me.body().path("logins").get(0);
    assertThat(login.path("protocol").asText()).isEqualTo("irc");
    assertThat(login.path("network").asText()).isEqualTo("test");
    assertThat(login.path("remote_id").asText()).isEqualTo("alice_irc");
    assertThat(login.path("network_state").asText()).isEqualTo("RUNNING");
    assertThat(me.body().toString()).doesNotContain("nickserv-password-of-alice");
    assertThat(me.body().path("networks").path("irc").asText()).isEqualTo("RUNNING");
    assertThat(integration.body().path("user_id").isNull()).isTrue();
    assertThat(integration.body().path("level").asText()).isEqualTo("admin");
    assertThat(onBehalf.body().path("user_id").asText()).isEqualTo(root.userId());
    assertThat(onBehalf.body().path("via").asText()).isEqualTo("shared_secret");
    assertThat(call("GET", "/whoami", openId(mallory), null).status()).isEqualTo(403);
  }

  @Test
  void anAdminWhoModeratesTheRoomLinksItAndEveryoneInItSeesTheLink() throws Exception {
    Answer linked = link(rootRoom, "test/#Java", openId(root));

    assertThat(linked.status()).isEqualTo(200);
    assertThat(linked.body().path("remote_room").asText()).isEqualTo("test/#java");
    assertThat(linked.body().path("room_id").asText()).isEqualTo(rootRoom);
    assertThat(linkedRemotes(rootRoom)).containsExactly("test/#java");
    assertThat(irc.requesters).containsExactly(UserId.of(root.userId()));

    Answer seenByBob = call("GET", links(rootRoom), openId(bob), null);
    assertThat(seenByBob.status()).isEqualTo(200);
    assertThat(seenByBob.body().path("links").get(0).path("remote_room").asText()).isEqualTo("test/#java");
    assertThat(call("GET", links(rootRoom), openId(alice), null))
        .as("alice is not in the room").extracting(Answer::status, Answer::errcode)
        .containsExactly(403, "M_FORBIDDEN");
    assertThat(call("GET", links(rootRoom), openId(mallory), null).status()).isEqualTo(403);

    Answer again = link(rootRoom, "test/#java", SECRET);
    assertThat(again).extracting(Answer::status, Answer::errcode).containsExactly(409, "M_ROOM_IN_USE");
  }

  @Test
  void aUserCannotPlumbEvenARoomTheyModerate() throws Exception {
    String aliceRoom = roomWithBot(alice);

    Answer byOpenId = link(aliceRoom, "test/#java", openId(alice));
    Answer onBehalf = call("POST", links(aliceRoom) + "?user_id=" + MatrixRequest.encode(alice.userId()), SECRET,
        "{\"protocol\":\"irc\",\"remote_room\":\"test/#java\"}");

    assertThat(byOpenId).extracting(Answer::status, Answer::errcode).containsExactly(403, "M_FORBIDDEN");
    assertThat(byOpenId.body().path("error").asText()).contains("needs level admin", "you have user");
    assertThat(onBehalf).extracting(Answer::status, Answer::errcode).containsExactly(403, "M_FORBIDDEN");
    assertThat(linkedRemotes(aliceRoom)).isEmpty();
    assertThat(link(aliceRoom, "test/#java", SECRET).status()).as("the integration acting as itself may")
        .isEqualTo(200);
    assertThat(irc.requesters).containsExactly(UserId.of(bot));
  }

  @Test
  void aStrangersOpenIdTokenCannotUnlinkSomeoneElsesRoom() throws Exception {
    assertThat(link(rootRoom, "test/#java", openId(root)).status()).isEqualTo(200);

    Answer byEve = unlink(rootRoom, "test/#java", openId(eve));
    Answer byBob = unlink(rootRoom, "test/#java", openId(bob));
    Answer byMallory = unlink(rootRoom, "test/#java", openId(mallory));

    assertThat(byEve).as("an admin of the bridge who is no moderator of the room")
        .extracting(Answer::status, Answer::errcode).containsExactly(403, "M_FORBIDDEN");
    assertThat(byEve.body().path("error").asText()).contains("may not change the state");
    assertThat(byBob).extracting(Answer::status, Answer::errcode).containsExactly(403, "M_FORBIDDEN");
    assertThat(byMallory).extracting(Answer::status, Answer::errcode).containsExactly(403, "M_FORBIDDEN");
    assertThat(linkedRemotes(rootRoom)).containsExactly("test/#java");
    assertThat(irc.unlinked).isEmpty();

    root.setPowerLevel(rootRoom, eve.userId(), 50);
    Answer afterPromotion = unlink(rootRoom, "test/#java", openId(eve));
    assertThat(afterPromotion.status()).isEqualTo(200);
    assertThat(afterPromotion.body().path("unlinked").asBoolean()).isTrue();
    assertThat(linkedRemotes(rootRoom)).isEmpty();
    assertThat(irc.unlinked).hasSize(1);
    assertThat(unlink(rootRoom, "test/#java", openId(root))).extracting(Answer::status, Answer::errcode)
        .containsExactly(404, "M_NOT_FOUND");
  }

  @Test
  void inARoomOfVersion12TheCreatorsModerateThoughThePowerLevelsDoNotNameThem() throws Exception {
    // Root creates it with eve as an additional creator; bob gets 100 in the power levels; nobody else.
    com.fasterxml.jackson.databind.node.ObjectNode body = JSON.createObjectNode().put("room_version", "12")
        .put("preset", "private_chat");
    body.putObject("creation_content").putArray("additional_creators").add(eve.userId());
    String room = root.createRoom(body);
    assertThat(room).as("a version 12 room id has no server name").doesNotContain(":");
    root.invite(room, bot);
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(bot)));
    root.invite(room, bob.userId());
    bob.join(room);
    root.setPowerLevel(room, bob.userId(), 100);
    JsonNode users = hs.get().roomStateEvent(room, "m.room.power_levels", "").path("content").path("users");
    assertThat(users.has(root.userId()) || users.has(eve.userId())).as("creators are not in the power levels")
        .isFalse();

    Answer byCreator = link(room, "test/#java", openId(root));
    Answer byBob = unlink(room, "test/#java", openId(bob));
    assertThat(byCreator.status()).as(byCreator.body().toString()).isEqualTo(200);
    assertThat(byBob.status()).as("a moderator by power level: bob is no bridge admin").isEqualTo(403);
    Answer byAdditionalCreator = unlink(room, "test/#java", openId(eve));
    assertThat(byAdditionalCreator.status()).as(byAdditionalCreator.body().toString()).isEqualTo(200);
    assertThat(linkedRemotes(room)).isEmpty();

    // A bridge admin who is neither creator nor moderator of a version 12 room is still refused.
    String aliceRoom = alice.createRoom(JSON.createObjectNode().put("room_version", "12").put("preset", "private_chat"));
    alice.invite(aliceRoom, bot);
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(aliceRoom).get(bot)));
    alice.invite(aliceRoom, root.userId());
    root.join(aliceRoom);
    Answer byStranger = link(aliceRoom, "test/#java", openId(root));
    assertThat(byStranger).extracting(Answer::status, Answer::errcode).containsExactly(403, "M_FORBIDDEN");
    assertThat(byStranger.body().path("error").asText()).contains("may not change the state");
  }

  @Test
  void theIntegrationUnlinksAnyRoomAndListsEveryLinkWhileUsersMayNot() throws Exception {
    String aliceRoom = roomWithBot(alice);
    assertThat(link(rootRoom, "test/#java", SECRET).status()).isEqualTo(200);
    assertThat(link(aliceRoom, "test/#kotlin", SECRET).status()).isEqualTo(200);

    Answer all = call("GET", "/links", SECRET, null);
    Answer byIrc = call("GET", "/links?protocol=irc", openId(root), null);
    Answer byAlice = call("GET", "/links", openId(alice), null);

    assertThat(all.body().path("links")).extracting(n -> n.path("remote_room").asText())
        .containsExactlyInAnyOrder("test/#java", "test/#kotlin");
    assertThat(byIrc.body().path("links")).hasSize(2);
    assertThat(byAlice).extracting(Answer::status, Answer::errcode).containsExactly(403, "M_FORBIDDEN");
    assertThat(unlink(aliceRoom, "test/#kotlin", SECRET).status()).isEqualTo(200);
    assertThat(linkedRemotes(aliceRoom)).isEmpty();
  }

  @Test
  void queryingARemoteRoomNormalisesItAndTellsWhetherItIsLinked() throws Exception {
    assertThat(link(rootRoom, "test/#java", SECRET).status()).isEqualTo(200);

    Answer byAlice = call("GET", "/remote?protocol=irc&remote_room=" + MatrixRequest.encode("test/#JAVA"),
        openId(alice), null);
    Answer byRoot = call("GET", "/remote?protocol=irc&remote_room=" + MatrixRequest.encode("test/#java"),
        openId(root), null);
    Answer free = call("GET", "/remote?protocol=irc&remote_room=" + MatrixRequest.encode("test/#go"), SECRET,
        null);

    assertThat(byAlice.status()).isEqualTo(200);
    assertThat(byAlice.body().path("remote_room").asText()).isEqualTo("test/#java");
    assertThat(byAlice.body().path("linked").asBoolean()).isTrue();
    assertThat(byAlice.body().has("room_id")).as("only admins learn which room").isFalse();
    assertThat(byRoot.body().path("room_id").asText()).isEqualTo(rootRoom);
    assertThat(free.body().path("linked").asBoolean()).isFalse();
    assertThat(call("GET", "/remote?protocol=irc&remote_room=nochannel", SECRET, null))
        .extracting(Answer::status, Answer::errcode).containsExactly(400, "M_INVALID_PARAM");
    assertThat(call("GET", "/remote?protocol=irc&remote_room=" + MatrixRequest.encode("elsewhere/#x"), SECRET,
        null)).extracting(Answer::status, Answer::errcode).containsExactly(404, "M_NOT_FOUND");
    assertThat(call("GET", "/remote?protocol=xmpp&remote_room=x", SECRET, null))
        .extracting(Answer::status, Answer::errcode).containsExactly(404, "M_NOT_FOUND");
    assertThat(call("GET", "/remote?protocol=irc&remote_room=test/%23x", openId(mallory), null).status())
        .isEqualTo(403);
  }

  @Test
  void aLinkWaitsForTheOperatorsConfirmationAndARefusalIsAnError() throws Exception {
    irc.askOperator = true;

    CompletableFuture<Answer> waiting = callAsync("POST", links(rootRoom), openId(root),
        "{\"protocol\":\"irc\",\"remote_room\":\"test/#java\"}");
    await().atMost(WAIT).until(() -> !irc.pending.isEmpty());
    assertThat(waiting).isNotDone();
    irc.confirm();
    assertThat(waiting.get().status()).isEqualTo(200);
    assertThat(linkedRemotes(rootRoom)).containsExactly("test/#java");

    CompletableFuture<Answer> refused = callAsync("POST", links(rootRoom), SECRET,
        "{\"protocol\":\"irc\",\"remote_room\":\"test/#kotlin\"}");
    await().atMost(WAIT).until(() -> !irc.pending.isEmpty());
    irc.refuse();
    assertThat(refused.get()).extracting(Answer::status, Answer::errcode).containsExactly(403, "M_FORBIDDEN");
    assertThat(refused.get().body().path("error").asText()).contains("refused");
    assertThat(linkedRemotes(rootRoom)).containsExactly("test/#java");
  }

  @Test
  void aLinkNobodyAnswersTimesOut() throws Exception {
    hs.close();
    linkTimeout = Duration.ofSeconds(1);
    start();
    irc.askOperator = true;

    Answer answer = link(rootRoom, "test/#java", SECRET);

    assertThat(answer).extracting(Answer::status, Answer::errcode)
        .containsExactly(504, ProvisioningException.TIMEOUT);
    assertThat(linkedRemotes(rootRoom)).isEmpty();
  }

  @Test
  void aRoomTheBotIsNotInCannotBeLinkedByAUser() throws Exception {
    String lonely = root.createRoom();

    Answer answer = link(lonely, "test/#java", openId(root));

    assertThat(answer).extracting(Answer::status, Answer::errcode)
        .containsExactly(403, ProvisioningException.BOT_NOT_IN_ROOM);
    assertThat(answer.body().path("error").asText()).contains(bot, "invite");
  }

  @Test
  void aVerifiedOpenIdTokenIsAskedAboutOnceWhileCached() throws Exception {
    String token = openId(alice);

    assertThat(call("GET", "/whoami", token, null).status()).isEqualTo(200);
    assertThat(call("GET", "/networks", token, null).status()).isEqualTo(200);

    assertThat(hs.get().requests("GET", "/_matrix/federation/v1/openid/userinfo")).hasSize(1);
  }

  @Test
  void browsersGetCorsAnswersAndOversizedBodiesAreRefused() throws Exception {
    HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + runtime.get().provisioningPort() + V1 + "/networks"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://widget.example.org")
        .header("Access-Control-Request-Method", "GET").build(), HttpResponse.BodyHandlers.ofString());
    Answer big = call("POST", links(rootRoom), SECRET, "{\"pad\":\"" + "x".repeat(70_000) + "\"}");

    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
        .contains("Authorization");
    assertThat(big).extracting(Answer::status, Answer::errcode).containsExactly(413, "M_TOO_LARGE");
  }
}
