package dev.switchboard.core.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TransactionParserTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ParsedTransaction parse(String body) throws Exception {
    return TransactionParser.parse("t1", body.getBytes(StandardCharsets.UTF_8), JSON);
  }

  @Test
  void eachEventKeepsItsExactBytesIncludingUnicodeAndSpacing() throws Exception {
    String first = "{ \"event_id\":\"$é1\", \"room_id\":\"!r:t\",\"sender\":\"@a:t\",\"type\":\"m.room.message\","
        + "\"content\":{\"body\":\"héllo 🌍 \\\"quoted\\\"\"} }";
    String second = AppServiceApiEvents.message("$2", "!r:t", "@a:t", "two");

    ParsedTransaction txn = parse("{\"events\":[ " + first + " ,\n" + second + "]}");

    assertThat(txn.events()).extracting(ParsedTransaction.Item::rawJson).containsExactly(first, second);
    assertThat(txn.events().get(0).event().path("content").path("body").asText()).isEqualTo("héllo 🌍 \"quoted\"");
  }

  @Test
  void notJsonAndNotATransactionAreToldApart() {
    assertThatThrownBy(() -> parse("{\"events\":[}")).isInstanceOf(JsonProcessingException.class);
    assertThatThrownBy(() -> parse("{\"events\":[]} trailing")).isInstanceOf(JsonProcessingException.class);
    assertThatThrownBy(() -> parse("[1,2]")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> parse("{\"events\":{}}")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> parse("{\"ephemeral\":[]}")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theStableEphemeralNameWinsOverTheUnstableOneAndDeviceDataIsSkipped() throws Exception {
    ParsedTransaction txn = parse("{\"de.sorunome.msc2409.ephemeral\":[{\"type\":\"m.typing\",\"room_id\":\"!a:t\"}],"
        + "\"org.matrix.msc3202.device_lists\":{\"changed\":[\"@x:t\"]},"
        + "\"ephemeral\":[{\"type\":\"m.receipt\",\"room_id\":\"!b:t\"}],\"events\":[]}");
    assertThat(txn.events()).extracting(i -> i.event().path("type").asText()).containsExactly("m.receipt");
  }

  @Test
  void malformedEventsAreCountedAndSkipped() throws Exception {
    ParsedTransaction txn = parse("{\"events\":[1,\"x\",{\"event_id\":\"nope\",\"room_id\":\"!r:t\",\"sender\":\"@a:t\","
        + "\"type\":\"t\"}," + AppServiceApiEvents.message("$ok", "!r:t", "@a:t", "fine") + "]}");
    assertThat(txn.skipped()).isEqualTo(3);
    assertThat(txn.events()).extracting(ParsedTransaction.Item::eventId).containsExactly("$ok");
  }
}
