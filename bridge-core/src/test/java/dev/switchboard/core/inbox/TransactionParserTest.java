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

  private static String nested(int levels) {
    // An event object whose content nests arrays until the event has `levels` levels in all.
    return "{\"event_id\":\"$deep\",\"room_id\":\"!r:t\",\"sender\":\"@a:t\",\"type\":\"t\",\"content\":{\"x\":"
        + "[".repeat(levels - 2) + "\"a]b\\\"[\"" + "]".repeat(levels - 2) + "}}";
  }

  @Test
  void anEventNestedTooDeeplyIsSkippedAndTheOthersKeepTheirExactBytes() throws Exception {
    String good = AppServiceApiEvents.message("$ok", "!r:t", "@a:t", "fine");
    String edu = "{\"type\":\"m.typing\",\"room_id\":\"!r:t\",\"content\":{\"user_ids\":[]}}";

    ParsedTransaction txn = parse("{\"events\":[" + nested(5_000) + ", " + good + "],\"ephemeral\":["
        + "[".repeat(2_000) + "]".repeat(2_000) + "," + edu + "]}");

    assertThat(txn.skipped()).isEqualTo(2);
    assertThat(txn.events()).extracting(ParsedTransaction.Item::rawJson).containsExactly(good, edu);
  }

  @Test
  void anEventAtTheDepthLimitIsKept() throws Exception {
    ParsedTransaction atLimit = parse("{\"events\":[" + nested(TransactionParser.MAX_EVENT_DEPTH) + "]}");
    ParsedTransaction overLimit = parse("{\"events\":[" + nested(TransactionParser.MAX_EVENT_DEPTH + 1) + "]}");

    assertThat(atLimit.events()).extracting(ParsedTransaction.Item::eventId).containsExactly("$deep");
    assertThat(overLimit.events()).isEmpty();
    assertThat(overLimit.skipped()).isEqualTo(1);
  }

  @Test
  void bodiesThatAreNotUtf8AreNotJson() {
    String body = "{\"events\":[]}";
    byte[] bom = new byte[body.length() + 3];
    bom[0] = (byte) 0xef;
    bom[1] = (byte) 0xbb;
    bom[2] = (byte) 0xbf;
    System.arraycopy(body.getBytes(StandardCharsets.UTF_8), 0, bom, 3, body.length());

    for (byte[] raw : java.util.List.of(body.getBytes(StandardCharsets.UTF_16),
        body.getBytes(StandardCharsets.UTF_16LE), body.getBytes(java.nio.charset.Charset.forName("UTF-32")), bom,
        new byte[] {'{', '"', 'e', (byte) 0xc3, (byte) 0x28, '"', ':', '1', '}'})) {
      assertThatThrownBy(() -> TransactionParser.parse("t", raw, JSON)).isInstanceOf(JsonProcessingException.class);
    }
  }

  @Test
  void aHundredThousandMalformedEventsWriteOneLogLine() throws Exception {
    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
        TransactionParser.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
        new ch.qos.logback.core.read.ListAppender<>();
    lines.start();
    ch.qos.logback.classic.Level before = logger.getLevel();
    logger.setLevel(ch.qos.logback.classic.Level.DEBUG);
    logger.addAppender(lines);
    try {
      ParsedTransaction txn = parse("{\"events\":[" + String.join(",", java.util.Collections.nCopies(100_000, "{}"))
          + "," + AppServiceApiEvents.message("$ok", "!r:t", "@a:t", "fine") + "]}");

      assertThat(txn.skipped()).isEqualTo(100_000);
      assertThat(txn.events()).extracting(ParsedTransaction.Item::eventId).containsExactly("$ok");
      assertThat(lines.list).hasSize(1);
      assertThat(lines.list.get(0).getFormattedMessage()).contains("skipped 100000 malformed event(s)");
    } finally {
      logger.detachAppender(lines);
      logger.setLevel(before);
    }
  }
}
