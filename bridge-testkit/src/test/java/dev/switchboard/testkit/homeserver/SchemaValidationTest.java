package dev.switchboard.testkit.homeserver;

import static dev.switchboard.testkit.homeserver.MatrixHttp.enc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.spec.SpecSchemas;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The testkit's point: a bridge that sends or answers something the spec does not allow fails its test. */
class SchemaValidationTest {
  private static SpecSchemas spec;
  private FakeAppService as;
  private TestHomeserver hs;
  private AppServiceRegistration reg;
  private MatrixHttp bridge;

  @BeforeAll
  static void loadSpec() {
    spec = SpecSchemas.load();
  }

  @BeforeEach
  void start() throws Exception {
    as = new FakeAppService();
    hs = TestHomeserver.start(Options.defaults(), spec);
    reg = AppServiceRegistration.builder("irc").url(as.url()).senderLocalpart("ircbot")
        .users("@_irc_.*", true).aliases("#_irc_.*", true).build();
    hs.registerAppService(reg);
    bridge = new MatrixHttp(hs.baseUrl(), reg.asToken());
  }

  @AfterEach
  void stop() {
    hs.clearSchemaViolations();
    hs.close();
    as.close();
  }

  @Test
  void aCreateRoomWithANumericPresetIsCaughtAndFailsTheTestAtClose() throws Exception {
    bridge.post("/_matrix/client/v3/createRoom", "{\"preset\": 5}");

    assertThat(hs.schemaViolations()).isNotEmpty().allSatisfy(v -> {
      assertThat(v.method()).isEqualTo("POST");
      assertThat(v.path()).isEqualTo("/_matrix/client/v3/createRoom");
      assertThat(v.message()).contains("/preset");
    });
    assertThatThrownBy(hs::close).isInstanceOf(AssertionError.class).hasMessageContaining("/preset");
  }

  @Test
  void aMessageBodyThatIsNotAnObjectIsCaught() throws Exception {
    String room = bridge.post("/_matrix/client/v3/createRoom", "{}").body().path("room_id").asText();

    bridge.put("/_matrix/client/v3/rooms/" + enc(room) + "/send/m.room.message/1", "[\"hi\"]");

    assertThat(hs.schemaViolations()).singleElement().satisfies(v -> assertThat(v.message()).contains("request body"));
  }

  @Test
  void aMissingRequiredQueryParameterIsCaught() throws Exception {
    String room = bridge.post("/_matrix/client/v3/createRoom", "{}").body().path("room_id").asText();

    bridge.get("/_matrix/client/v3/rooms/" + enc(room) + "/messages?dir=sideways");

    assertThat(hs.schemaViolations()).singleElement().satisfies(v -> assertThat(v.message()).contains("dir"));
  }

  @Test
  void wellFormedRequestsRecordNothing() throws Exception {
    String room = bridge.post("/_matrix/client/v3/createRoom",
        "{\"preset\":\"public_chat\",\"name\":\"x\",\"room_alias_name\":\"_irc_x\"}").body().path("room_id").asText();
    bridge.put("/_matrix/client/v3/rooms/" + enc(room) + "/send/m.room.message/1",
        "{\"msgtype\":\"m.text\",\"body\":\"hi\"}");
    bridge.put("/_matrix/client/v3/rooms/" + enc(room) + "/state/m.room.topic/", "{\"topic\":\"t\"}");
    bridge.get("/_matrix/client/v3/rooms/" + enc(room) + "/messages?dir=b&limit=5");

    assertThat(hs.schemaViolations()).isEmpty();
  }

  @Test
  void anAppServiceAnsweringATransactionWithANonObjectIsCaught() {
    as.responder = r -> new FakeAppService.Reply(200, "[]");
    TestUser alice = hs.user("alice");
    String room = alice.createRoom();
    alice.invite(room, "@ircbot:test.local");

    await().atMost(Duration.ofSeconds(5)).until(() -> !hs.schemaViolations().isEmpty());
    assertThat(hs.schemaViolations().get(0).source()).isEqualTo("application-service response");
    assertThat(hs.schemaViolations().get(0).path()).isEqualTo("/_matrix/app/v1/transactions/1");
  }

  @Test
  void aUserQueryAnsweredWithAnUndocumentedStatusIsCaught() throws Exception {
    as.responder = r -> new FakeAppService.Reply(500, "{}");

    MatrixHttp.Answer profile = bridge.get("/_matrix/client/v3/profile/" + enc("@_irc_ghost:test.local"));

    assertThat(profile.status()).isEqualTo(404);
    assertThat(as.received).anySatisfy(r -> assertThat(r.uri()).startsWith("/_matrix/app/v1/users/%40_irc_ghost"));
    assertThat(hs.schemaViolations()).singleElement()
        .satisfies(v -> assertThat(v.message()).contains("status 500 is not documented"));
  }
}
