package dev.switchboard.sip.dm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.sip.AdminRoom;
import dev.switchboard.sip.SipBridge;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.net.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIP DMs carry {@code m.bridge} (and {@code uk.half-shot.bridge}) state, so clients can show what they bridge to. */
class DmBridgeInfoTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String BOT = "@" + SipBridge.BOT_LOCALPART + ":test.local";

  @TempDir
  Path dir;

  private static ObjectNode sipConfig() {
    ObjectNode sip = JSON.objectNode().put("enabled", true).put("default_country_code", "1");
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", FreePorts.udp());
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + FreePorts.udp());
    sip.putObject("dial_plan").putArray("internal_hosts").add("127.0.0.1");
    return sip;
  }

  private static JsonNode awaitBridgeState(TestHomeserver hs, String room, String type, String stateKey) {
    await().atMost(WAIT).until(() -> hs.roomStateEvent(room, type, stateKey) != null);
    return hs.roomStateEvent(room, type, stateKey).path("content");
  }

  @Test
  void aDmTheGhostOpensCarriesTheBridgeStateOfItsNumber() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, sipConfig(), dir)) {
      TestUser alice = hs.user("alice");

      String reply = AdminRoom.open(hs, alice, WAIT).ask("!sip call +1 555 0001");

      Matcher m = Pattern.compile("is (![^ :]+:[^ :]+):").matcher(reply);
      assertThat(m.find()).as(reply).isTrue();
      for (String type : new String[] {"m.bridge", "uk.half-shot.bridge"}) {
        JsonNode content = awaitBridgeState(hs, m.group(1), type, "dev.switchboard://sip/+15550001");
        assertThat(content.path("bridgebot").asText()).isEqualTo(BOT);
        assertThat(content.path("protocol").path("id").asText()).isEqualTo("sip");
        assertThat(content.path("network").path("id").asText()).isEqualTo("tel");
        assertThat(content.path("channel").path("id").asText()).isEqualTo("tel:+15550001");
        assertThat(content.path("channel").path("displayname").asText()).isEqualTo("+15550001");
      }
    }
  }

  @Test
  void aTrustedDmTheUserOpensGetsTheBridgeStateFromTheGhost() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, sipConfig(), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_bob=40127.0.0.1=3a5062:test.local"; // sip:bob@127.0.0.1:5062
      ObjectNode request = JSON.objectNode().put("preset", "trusted_private_chat").put("is_direct", true);
      request.putArray("invite").add(ghost);

      String room = alice.createRoom(request);

      await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(ghost)));
      JsonNode content = awaitBridgeState(hs, room, "m.bridge", "dev.switchboard://sip/bob@127.0.0.1:5062");
      assertThat(content.path("network").path("id").asText()).isEqualTo("127.0.0.1");
      assertThat(content.path("channel").path("id").asText()).isEqualTo("sip:bob@127.0.0.1:5062");
      assertThat(hs.roomStateEvent(room, "m.bridge", "dev.switchboard://sip/bob@127.0.0.1:5062").path("sender")
          .asText()).isEqualTo(ghost);
      assertThat(hs.members(room)).doesNotContainKey(BOT); // the bot stays out of DMs
    }
  }

  @Test
  void aDmWhereTheGhostMayNotSetStateIsStillTheDm() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, sipConfig(), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550003:test.local";
      String room = alice.createRoom(); // private_chat: the ghost joins at level 0

      alice.invite(room, ghost);

      await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(ghost)));
      // The ghost reads the power levels and does not try: no refused write, no rejoin.
      await().atMost(WAIT).until(() -> hs.requests("GET", ".*/state/m\\.room\\.power_levels.*").stream()
          .anyMatch(r -> ghost.equals(r.userId())));
      Thread.sleep(300);
      assertThat(hs.requests("PUT", ".*/state/.*")).noneMatch(r -> ghost.equals(r.userId()));
      assertThat(hs.roomStateEvent(room, "m.bridge", "dev.switchboard://sip/+15550003")).isNull();
    }
  }

  @Test
  void inARoomVersion12TrustedDmTheGhostIsACreatorAndWritesTheBridgeState() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, sipConfig(), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550004:test.local";
      ObjectNode request = JSON.objectNode().put("preset", "trusted_private_chat").put("is_direct", true)
          .put("room_version", "12");
      request.putArray("invite").add(ghost);

      String room = alice.createRoom(request);

      await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(ghost)));
      JsonNode content = awaitBridgeState(hs, room, "m.bridge", "dev.switchboard://sip/+15550004");
      assertThat(content.path("channel").path("id").asText()).isEqualTo("tel:+15550004");
    }
  }
}
