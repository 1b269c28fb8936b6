package dev.switchboard.sip.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BencodeTest {

  private static String encoded(Bencoded v) {
    return new String(Bencode.encode(v), StandardCharsets.UTF_8);
  }

  private static Bencoded decoded(String s) {
    return Bencode.decode(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void dictionariesAreWrittenWithKeysSortedByTheirBytes() {
    Map<String, Bencoded> m = new LinkedHashMap<>();
    m.put("sdp", Bencoded.of("v=0"));
    m.put("command", Bencoded.of("offer"));
    m.put("ICE", Bencoded.of("remove"));
    m.put("call-id", Bencoded.of("c1"));
    // Upper case sorts before lower case in byte order.
    assertThat(encoded(new Bencoded.Dict(m))).isEqualTo("d3:ICE6:remove7:call-id2:c17:command5:offer3:sdp3:v=0e");
  }

  @Test
  void integersListsAndNestedValuesRoundTrip() {
    Bencoded v = new Bencoded.Dict(Map.of(
        "n", Bencoded.of(-42),
        "zero", Bencoded.of(0),
        "flags", Bencoded.list("generate-mid", "strip-extmap"),
        "codec", new Bencoded.Dict(Map.of("transcode", Bencoded.list("PCMU", "PCMA")))));
    assertThat(encoded(v)).isEqualTo(
        "d5:codecd9:transcodel4:PCMU4:PCMAee5:flagsl12:generate-mid12:strip-extmape1:ni-42e4:zeroi0ee");
    assertThat(Bencode.decode(Bencode.encode(v))).isEqualTo(v);
  }

  @Test
  void byteStringsCountBytesNotCharacters() {
    assertThat(encoded(Bencoded.of("é"))).isEqualTo("2:é");
    assertThat(decoded("2:é")).isEqualTo(Bencoded.of("é"));
    assertThat(decoded("0:")).isEqualTo(Bencoded.of(""));
  }

  @Test
  void aReplyFromRtpengineDecodesIntoADictionary() {
    Bencoded.Dict reply = (Bencoded.Dict) decoded("d6:result4:pong7:warning3:hume");
    assertThat(reply.text("result")).contains("pong");
    assertThat(reply.text("warning")).contains("hum");
    assertThat(reply.text("missing")).isEmpty();
    assertThat(((Bencoded.BList) decoded("li1ei2ee")).items()).isEqualTo(List.of(Bencoded.of(1), Bencoded.of(2)));
  }

  @Test
  void malformedInputIsRejectedWithItsOffset() {
    assertThatThrownBy(() -> decoded("5:abc")).hasMessageContaining("runs past the end");
    assertThatThrownBy(() -> decoded("i01e")).hasMessageContaining("bad number");
    assertThatThrownBy(() -> decoded("i-0e")).hasMessageContaining("bad number");
    assertThatThrownBy(() -> decoded("d1:a")).hasMessageContaining("truncated");
    assertThatThrownBy(() -> decoded("di1ei2ee")).hasMessageContaining("key is not a byte string");
    assertThatThrownBy(() -> decoded("i1ei2e")).hasMessageContaining("trailing");
    assertThatThrownBy(() -> decoded("x")).hasMessageContaining("unexpected 'x' at offset 0");
    assertThatThrownBy(() -> decoded("l".repeat(100) + "e".repeat(100))).hasMessageContaining("nested deeper");
  }
}
