package dev.switchboard.core.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming read of an event must see exactly what the tree Jackson builds later sees, field by field, for
 * hostile spellings too (a field given twice, escapes in names, odd types), or validation, de-duplication and the
 * secret scrubber would judge an event other than the one dispatched.
 */
class EventFieldsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<String> events() {
    return List.of(
        "{\"event_id\":\"$a\",\"room_id\":\"!r:t\",\"sender\":\"@u:t\",\"type\":\"m.room.message\","
            + "\"origin_server_ts\":1700000000000,\"content\":{\"msgtype\":\"m.text\",\"body\":\"hi\"}}",
        // last one wins, both ways round
        "{\"event_id\":\"$a\",\"event_id\":5,\"room_id\":\"!r:t\",\"sender\":\"@u:t\",\"type\":\"t\"}",
        "{\"event_id\":[1,{\"x\":2}],\"event_id\":\"$b\",\"room_id\":\"!r:t\",\"sender\":\"@u:t\",\"type\":\"t\"}",
        "{\"content\":{\"body\":\"!irc storepass x\"},\"content\":\"flat\",\"type\":\"m.room.message\"}",
        "{\"content\":\"flat\",\"content\":{\"body\":\"second\"},\"type\":\"m.room.message\"}",
        "{\"content\":{\"body\":\"one\",\"body\":{\"n\":1}},\"type\":\"m.room.message\"}",
        "{\"content\":{\"body\":{\"n\":1},\"body\":\"two\"},\"type\":\"m.room.message\"}",
        "{\"content\":{\"x\":{\"body\":\"nested, not the body\"}},\"type\":\"m.room.message\"}",
        "{\"content\":null,\"type\":\"m.room.message\"}",
        "{\"content\":[],\"type\":\"m.room.message\"}",
        // escapes in names and values
        "{\"event\\u005fid\":\"\\u0024esc\",\"room_id\":\"\\u0021r:t\",\"sender\":\"@u:t\",\"type\":\"t\"}",
        "{\"event_id\":\"\",\"room_id\":\"!r:t\",\"sender\":\"@u:t\",\"type\":\"\"}",
        // timestamps
        "{\"origin_server_ts\":1.5}",
        "{\"origin_server_ts\":1e3}",
        "{\"origin_server_ts\":-42}",
        "{\"origin_server_ts\":92233720368547758070}",
        "{\"origin_server_ts\":\"1700000000000\"}",
        "{\"origin_server_ts\":5,\"origin_server_ts\":null}",
        "{\"origin_server_ts\":null,\"origin_server_ts\":7}",
        "{\"origin_server_ts\":{\"event_id\":\"$in\"},\"type\":\"after\"}",
        "{\"origin_server_ts\":[1,[2]],\"type\":\"after\"}",
        // state keys
        "{\"state_key\":\"\"}",
        "{\"state_key\":null}",
        "{\"state_key\":3}",
        "{\"state_key\":{}}",
        "{\"state_key\":1,\"state_key\":\"k\"}",
        "{\"state_key\":{\"type\":\"inner\"},\"type\":\"after\"}",
        "{\"state_key\":[\"x\",{}],\"sender\":\"@after:t\"}",
        "{}",
        "{\"unsigned\":{\"event_id\":\"$inner\",\"age\":1},\"type\":[\"t\"],\"sender\":true}");
  }

  @ParameterizedTest
  @MethodSource("events")
  void theStreamingReadAgreesWithTheTree(String event) throws Exception {
    JsonNode tree = JSON.readTree(event);
    EventFields fields = read(event);

    assertThat(fields.eventId()).isEqualTo(text(tree.path("event_id")));
    assertThat(fields.roomId()).isEqualTo(text(tree.path("room_id")));
    assertThat(fields.sender()).isEqualTo(text(tree.path("sender")));
    assertThat(fields.type()).isEqualTo(text(tree.path("type")));
    assertThat(fields.originTs()).isEqualTo(InboxStore.originTs(tree));
    assertThat(fields.contentNotObject()).isEqualTo(tree.has("content") && !tree.get("content").isObject());
    assertThat(fields.body()).isEqualTo(tree.path("content").isObject() ? text(tree.get("content").path("body")) : null);
    assertThat(fields.stateKeyNotString()).isEqualTo(tree.has("state_key") && !tree.get("state_key").isTextual());
  }

  @ParameterizedTest
  @MethodSource("events")
  void theParserReadsTheSameAndLeavesTheTreeForLater(String event) throws Exception {
    String txn = "{\"events\":[" + event + "],\"ephemeral\":[" + event + "]}";
    ParsedTransaction parsed = TransactionParser.parse("t", txn.getBytes(StandardCharsets.UTF_8), JSON);
    for (ParsedTransaction.Item item : parsed.events()) {
      assertThat(item.rawJson()).isEqualTo(event);
      assertThat(item.event()).isEqualTo(JSON.readTree(event));
      assertThat(item.event()).isSameAs(item.event());
    }
  }

  private static String text(JsonNode node) {
    return node.isTextual() ? node.textValue() : null;
  }

  private static EventFields read(String event) throws Exception {
    try (JsonParser p = JSON.getFactory().createParser(event.getBytes(StandardCharsets.UTF_8))) {
      assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
      EventFields fields = EventFields.read(p);
      assertThat(p.currentToken()).isEqualTo(JsonToken.END_OBJECT);
      assertThat(p.nextToken()).isNull();
      return fields;
    }
  }
}
