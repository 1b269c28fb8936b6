package dev.switchboard.testkit.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SpecSchemasTest {
  private static final SpecSchemas SPEC = SpecSchemas.load();
  private final ObjectMapper json = new ObjectMapper();

  private JsonNode parse(String s) throws Exception {
    return json.readTree(s);
  }

  @Test
  void aCreateRoomWithANumericPresetIsAViolation() throws Exception {
    assertThat(SPEC.validateRequest("POST", "/_matrix/client/v3/createRoom", parse("{\"preset\": 5}")))
        .isNotEmpty().allSatisfy(v -> assertThat(v).contains("/preset"));
  }

  @Test
  void aWellFormedCreateRoomPasses() throws Exception {
    assertThat(SPEC.validateRequest("POST", "/_matrix/client/v3/createRoom",
        parse("{\"preset\":\"public_chat\",\"name\":\"n\",\"invite\":[\"@a:test.local\"],"
            + "\"initial_state\":[{\"type\":\"m.room.topic\",\"state_key\":\"\",\"content\":{\"topic\":\"t\"}}]}")))
        .isEmpty();
  }

  @Test
  void r0PathsMapToTheV3Operation() {
    assertThat(SPEC.clientServerOperation("PUT", "/_matrix/client/r0/rooms/!a:b/send/m.room.message/1?user_id=x"))
        .get().extracting(SpecOperation::pathTemplate)
        .isEqualTo("/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}");
  }

  @Test
  void aMissingRequiredQueryParameterIsAViolation() {
    assertThat(SPEC.validateRequest("GET", "/_matrix/client/v3/rooms/!a:b/messages?dir=x", null))
        .anySatisfy(v -> assertThat(v).contains("dir"));
  }

  @Test
  void aTransactionAnsweredWith500IsUndocumented() throws Exception {
    assertThat(SPEC.validateAppServiceResponse("PUT", "/_matrix/app/v1/transactions/1", 500, parse("{}")))
        .singleElement().asString().contains("500");
    assertThat(SPEC.validateAppServiceResponse("PUT", "/transactions/1", 200, parse("{}"))).isEmpty();
  }

  @Test
  void aUserQueryErrorWithoutErrcodeIsAViolation() throws Exception {
    assertThat(SPEC.validateAppServiceResponse("GET", "/_matrix/app/v1/users/@a:b", 404, parse("{\"error\":1}")))
        .isNotEmpty();
  }

  @Test
  void registrationFileSchemaRejectsAMissingToken() throws Exception {
    JsonNode registration = parse("{\"id\":\"x\",\"url\":null,\"hs_token\":\"h\",\"sender_localpart\":\"bot\","
        + "\"namespaces\":{\"users\":[{\"exclusive\":true,\"regex\":\"@_x_.*\"}]}}");
    assertThat(SPEC.validate("data/api/application-service/definitions/registration.yaml", registration))
        .singleElement().asString().contains("as_token");
  }
}
