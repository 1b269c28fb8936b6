package dev.switchboard.sip;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.net.FreePorts;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Element's dial pad: third-party lookups of phone numbers, as the homeserver forwards them to the bridge. */
class ThirdPartyLookupTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  private JsonNode get(SipBridge bridge, String pathAndQuery, int expectedStatus) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.port()
            + "/_matrix/app/v1" + pathAndQuery)).header("Authorization", "Bearer " + SipBridge.hsToken()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
    return JSON.readTree(r.body());
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void aDialledNumberIsFoundAsItsGhostUnderThePstnProtocols() throws Exception {
    ObjectNode sip = JsonNodeFactory.instance.objectNode().put("enabled", true).put("default_country_code", 44);
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + FreePorts.udp());
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, sip, dir)) {
      for (String protocol : new String[] {"m.protocol.pstn", "im.vector.protocol.pstn", "sip"}) {
        JsonNode p = get(bridge, "/thirdparty/protocol/" + protocol, 200);
        assertThat(p.path("user_fields").get(0).asText()).isEqualTo("m.id.phone");
      }

      JsonNode found = get(bridge, "/thirdparty/user/im.vector.protocol.pstn?m.id.phone=" + q("020 7123 4567"), 200);
      assertThat(found).hasSize(1);
      assertThat(found.get(0).path("userid").asText()).isEqualTo("@_sip_+442071234567:test.local");
      assertThat(found.get(0).path("fields").path("m.id.phone").asText()).isEqualTo("+442071234567");

      // Nothing matched: the spec's 404 M_NOT_FOUND, not an empty list.
      assertThat(get(bridge, "/thirdparty/user/m.protocol.pstn?m.id.phone=" + q("call me"), 404).path("errcode")
          .asText()).isEqualTo("M_NOT_FOUND");
      assertThat(get(bridge, "/thirdparty/location/m.protocol.pstn", 404).path("errcode").asText())
          .isEqualTo("M_NOT_FOUND");

      JsonNode reverse = get(bridge, "/thirdparty/user?userid=" + q("@_sip_+442071234567:test.local"), 200);
      assertThat(reverse).hasSize(1);
      assertThat(reverse.get(0).path("fields").path("m.id.phone").asText()).isEqualTo("+442071234567");

      get(bridge, "/thirdparty/protocol/m.protocol.telegram", 404);
    }
  }
}
