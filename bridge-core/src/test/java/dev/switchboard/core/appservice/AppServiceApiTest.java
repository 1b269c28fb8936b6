package dev.switchboard.core.appservice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.CoreHarness;
import dev.switchboard.core.RecordingConnector;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.spec.SpecSchemas;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** AS API conformance through a real HTTP client: auth, routing, errors, transactions, queries, third party. */
class AppServiceApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  private RecordingConnector connector = new RecordingConnector("test", CoreHarness.DOMAIN);
  private int maxBody = 64 * 1024;
  @RegisterExtension
  final Fixture<CoreHarness> core = Fixture.of(() -> {
    CoreHarness harness = CoreHarness.start(jdbcUrl(), List.of(connector), new ConcurrentHashMap<>(), maxBody);
    harness.link("!room:test.local", "test", "net/#chan");
    return harness;
  });

  private String jdbcUrl() {
    return "jdbc:sqlite:" + dir.resolve("bridge.db");
  }

  private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(core.get().url(path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 200) {
      // Every successful answer must be what the spec's application-service API defines for that endpoint.
      String specPath = path.startsWith("/_matrix/") ? path : "/_matrix/app/v1" + path;
      specPath = specPath.replace("/_matrix/app/unstable/", "/_matrix/app/v1/");
      List<String> problems = SPEC.validateAppServiceResponse(method, specPath, 200, JSON.readTree(response.body()));
      assertThat(problems).as("%s %s answered %s", method, path, response.body()).isEmpty();
      validated++;
    }
    return response;
  }

  private static final SpecSchemas SPEC = SpecSchemas.load();
  private int validated;



  private static String errcode(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).path("errcode").asText();
  }

  static String event(String id, String room, String sender, String text) {
    return "{\"event_id\":\"" + id + "\",\"room_id\":\"" + room + "\",\"sender\":\"" + sender
        + "\",\"type\":\"m.room.message\",\"origin_server_ts\":1,\"content\":{\"msgtype\":\"m.text\",\"body\":\""
        + text + "\"}}";
  }

  static String txn(String... events) {
    return "{\"events\":[" + String.join(",", events) + "]}";
  }

  private HttpResponse<String> putTxn(String id, String body) throws Exception {
    return send("PUT", "/_matrix/app/v1/transactions/" + id, CoreHarness.HS_TOKEN, body);
  }

  @Test
  void aRequestWithoutTokenIs401MissingToken() throws Exception {
    HttpResponse<String> r = send("PUT", "/_matrix/app/v1/transactions/1", null, txn());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(errcode(r)).isEqualTo("M_MISSING_TOKEN");
  }

  @Test
  void aWrongTokenIs403ForbiddenInHeaderAndQuery() throws Exception {
    HttpResponse<String> header = send("PUT", "/_matrix/app/v1/transactions/1", "wrong", txn());
    HttpResponse<String> query = send("GET", "/_matrix/app/v1/users/%40_test_x%3Atest.local?access_token=wrong",
        null, null);
    assertThat(header.statusCode()).isEqualTo(403);
    assertThat(errcode(header)).isEqualTo("M_FORBIDDEN");
    assertThat(query.statusCode()).isEqualTo(403);
    assertThat(connector.received).isEmpty();
  }

  @Test
  void unknownRoutesAre404AndWrongMethods405BothUnrecognized() throws Exception {
    HttpResponse<String> unknown = send("GET", "/_matrix/app/v1/nothing", CoreHarness.HS_TOKEN, null);
    HttpResponse<String> other = send("GET", "/_matrix/client/v3/sync", CoreHarness.HS_TOKEN, null);
    HttpResponse<String> method = send("GET", "/_matrix/app/v1/transactions/1", CoreHarness.HS_TOKEN, null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(errcode(unknown)).isEqualTo("M_UNRECOGNIZED");
    assertThat(other.statusCode()).isEqualTo(404);
    assertThat(method.statusCode()).isEqualTo(405);
    assertThat(errcode(method)).isEqualTo("M_UNRECOGNIZED");
  }

  @Test
  void aBodyThatIsNotJsonIs400NotJson() throws Exception {
    HttpResponse<String> r = putTxn("1", "{not json");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errcode(r)).isEqualTo("M_NOT_JSON");
  }

  @Test
  void aBodyOverTheLimitIs413TooLarge() throws Exception {
    String big = txn(event("$big", "!room:test.local", "@alice:test.local", "x".repeat(70 * 1024)));
    HttpResponse<String> r = putTxn("1", big);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(errcode(r)).isEqualTo("M_TOO_LARGE");
    // The connection survives for the next request.
    assertThat(putTxn("2", txn(event("$ok", "!room:test.local", "@alice:test.local", "hi"))).statusCode())
        .isEqualTo(200);
  }

  @Test
  void aTransactionIsDispatchedAndARetryOfItIsNot() throws Exception {
    String body = txn(event("$a", "!room:test.local", "@alice:test.local", "one"),
        event("$b", "!room:test.local", "@alice:test.local", "two"));

    assertThat(putTxn("7", body).statusCode()).isEqualTo(200);
    assertThat(putTxn("7", body).statusCode()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(5)).until(() -> connector.received.size() >= 2);
    Thread.sleep(200);
    assertThat(connector.eventIds()).containsExactly("$a", "$b");
    assertThat(connector.received.get(0).link()).isPresent();
  }

  @Test
  void aReusedTxnIdWithAnotherBodyIsANewTransaction() throws Exception {
    putTxn("1", txn(event("$a", "!room:test.local", "@alice:test.local", "before restart")));
    putTxn("1", txn(event("$b", "!room:test.local", "@alice:test.local", "after restart")));

    await().atMost(Duration.ofSeconds(5)).until(() -> connector.received.size() >= 2);
    assertThat(connector.eventIds()).containsExactly("$a", "$b");
  }

  @Test
  void anEventSeenBeforeIsNotDispatchedAgainInsideAnotherTransaction() throws Exception {
    putTxn("1", txn(event("$a", "!room:test.local", "@alice:test.local", "one")));
    putTxn("2", txn(event("$a", "!room:test.local", "@alice:test.local", "one"),
        event("$c", "!room:test.local", "@alice:test.local", "three")));

    await().atMost(Duration.ofSeconds(5)).until(() -> connector.received.size() >= 2);
    Thread.sleep(200);
    assertThat(connector.eventIds()).containsExactly("$a", "$c");
  }

  @Test
  void aRetriedTransactionAfterABridgeRestartChangesNothing() throws Exception {
    String body = txn(event("$a", "!room:test.local", "@alice:test.local", "one"));
    putTxn("42", body);
    await().atMost(Duration.ofSeconds(5)).until(() -> connector.received.size() == 1);
    core.close();

    RecordingConnector after = new RecordingConnector("test", CoreHarness.DOMAIN);
    connector = after;
    maxBody = 1024 * 1024;
    core.get();
    assertThat(putTxn("42", body).statusCode()).isEqualTo(200);
    putTxn("43", txn(event("$z", "!room:test.local", "@alice:test.local", "new")));

    await().atMost(Duration.ofSeconds(5)).until(() -> after.received.size() >= 1);
    Thread.sleep(200);
    assertThat(after.eventIds()).containsExactly("$z");
  }

  @Test
  void aMalformedEventIsSkippedAndTheRestDispatched() throws Exception {
    String body = "{\"events\":[" + event("$a", "!room:test.local", "@alice:test.local", "one")
        + ",{\"event_id\":42,\"type\":\"m.room.message\"},\"garbage\","
        + event("$b", "!room:test.local", "@alice:test.local", "two") + "]}";

    assertThat(putTxn("1", body).statusCode()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(5)).until(() -> connector.received.size() >= 2);
    assertThat(connector.eventIds()).containsExactly("$a", "$b");
  }

  @Test
  void echoesOfOurOwnGhostsAndTheBotAreNotDispatched() throws Exception {
    putTxn("1", txn(event("$ghost", "!room:test.local", "@_test_net_bob:test.local", "echo"),
        event("$bot", "!room:test.local", "@bot:test.local", "bot"),
        event("$user", "!room:test.local", "@alice:test.local", "real")));

    await().atMost(Duration.ofSeconds(5)).until(() -> connector.received.size() >= 1);
    Thread.sleep(200);
    assertThat(connector.eventIds()).containsExactly("$user");
  }

  @Test
  void ephemeralAndToDeviceAreAcceptedUnderStableAndUnstableNames() throws Exception {
    String body = "{\"events\":[],\"de.sorunome.msc2409.ephemeral\":[{\"type\":\"m.typing\",\"room_id\":"
        + "\"!room:test.local\",\"content\":{\"user_ids\":[\"@alice:test.local\"]}}],"
        + "\"de.sorunome.msc2409.to_device\":[{\"type\":\"m.room_key_request\",\"sender\":\"@a:test.local\","
        + "\"to_user_id\":\"@bot:test.local\",\"to_device_id\":\"D\",\"content\":{}}],"
        + "\"org.matrix.msc3202.device_lists\":{\"changed\":[],\"left\":[]}}";
    assertThat(putTxn("1", body).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> core.get().inboxStore.depth() == 0);
  }

  @Test
  void legacyPathsAndAccessTokenInTheQueryWork() throws Exception {
    String token = "?access_token=" + CoreHarness.HS_TOKEN;
    HttpResponse<String> t = send("PUT", "/transactions/9" + token, null,
        txn(event("$legacy", "!room:test.local", "@alice:test.local", "old synapse")));
    HttpResponse<String> u = send("GET", "/users/" + enc("@_test_exists:test.local") + token, null, null);
    HttpResponse<String> r = send("GET", "/rooms/" + enc("#_test_exists:test.local") + token, null, null);
    HttpResponse<String> p = send("GET", "/_matrix/app/unstable/thirdparty/protocol/test" + token, null, null);

    assertThat(List.of(t.statusCode(), u.statusCode(), r.statusCode(), p.statusCode())).containsOnly(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> connector.eventIds().contains("$legacy"));
  }

  @Test
  void userAndAliasQueriesAnswerFromTheOwningConnector() throws Exception {
    String t = CoreHarness.HS_TOKEN;
    assertThat(send("GET", "/_matrix/app/v1/users/" + enc("@_test_exists:test.local"), t, null).statusCode())
        .isEqualTo(200);
    HttpResponse<String> missing = send("GET", "/_matrix/app/v1/users/" + enc("@_test_nobody:test.local"), t, null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(errcode(missing)).isEqualTo("M_NOT_FOUND");
    assertThat(send("GET", "/_matrix/app/v1/users/" + enc("@stranger:test.local"), t, null).statusCode())
        .isEqualTo(404);
    assertThat(send("GET", "/_matrix/app/v1/rooms/" + enc("#_test_exists_x:test.local"), t, null).statusCode())
        .isEqualTo(200);
    assertThat(send("GET", "/_matrix/app/v1/rooms/" + enc("#_test_nope:test.local"), t, null).statusCode())
        .isEqualTo(404);
  }

  @Test
  void pingAnswersEmptyObject() throws Exception {
    HttpResponse<String> r = send("POST", "/_matrix/app/v1/ping", CoreHarness.HS_TOKEN,
        "{\"transaction_id\":\"mautrix-go_1\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{}");
  }

  @Test
  void thirdPartyLookupsReturnSpecShapedBodies() throws Exception {
    String t = CoreHarness.HS_TOKEN;
    JsonNode protocol = JSON.readTree(send("GET", "/_matrix/app/v1/thirdparty/protocol/test", t, null).body());
    JsonNode locations = JSON.readTree(
        send("GET", "/_matrix/app/v1/thirdparty/location/test?network=testnet&channel=%23java", t, null).body());
    JsonNode users = JSON.readTree(
        send("GET", "/_matrix/app/v1/thirdparty/user/test?network=testnet&nickname=bob", t, null).body());
    JsonNode byAlias = JSON.readTree(send("GET", "/_matrix/app/v1/thirdparty/location?alias="
        + enc("#_test_testnet_x:test.local"), t, null).body());
    JsonNode byUser = JSON.readTree(send("GET", "/_matrix/app/v1/thirdparty/user?userid="
        + enc("@_test_testnet_x:test.local"), t, null).body());
    HttpResponse<String> unknown = send("GET", "/_matrix/app/v1/thirdparty/protocol/gopher", t, null);

    assertThat(protocol.path("user_fields").isArray()).isTrue();
    assertThat(protocol.path("instances").get(0).path("network_id").asText()).isEqualTo("testnet");
    assertThat(locations.get(0).path("alias").asText()).isEqualTo("#_test_testnet_#java:test.local");
    assertThat(locations.get(0).path("fields").path("channel").asText()).isEqualTo("#java");
    assertThat(users.get(0).path("userid").asText()).isEqualTo("@_test_testnet_bob:test.local");
    assertThat(byAlias.isArray() && byAlias.size() == 1).isTrue();
    assertThat(byUser.isArray() && byUser.size() == 1).isTrue();
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(validated).as("answers checked against the spec").isEqualTo(5);
  }

  @Test
  void thirdPartyLookupsThatMatchNothingAnswerTheSpecs404() throws Exception {
    String t = CoreHarness.HS_TOKEN;
    for (String path : List.of("/_matrix/app/v1/thirdparty/location/test?network=testnet",
        "/_matrix/app/v1/thirdparty/user/test?network=testnet",
        "/_matrix/app/v1/thirdparty/location?alias=" + enc("#elsewhere:test.local"),
        "/_matrix/app/v1/thirdparty/user?userid=" + enc("@someone:test.local"))) {
      HttpResponse<String> r = send("GET", path, t, null);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(JSON.readTree(r.body()).path("errcode").asText()).as(path).isEqualTo("M_NOT_FOUND");
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

}
