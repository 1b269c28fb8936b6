package dev.switchboard.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.sip.media.Sdps;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.sip.RtpEngineServer;
import dev.switchboard.testkit.sip.SippScenario;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Who may do what on SIP (issue #16), per permission level and for a user of another homeserver: a call, a text and
 * a new DM, each allowed (it reaches the trunk, SIPp) or refused (the ghost says why in the room, a call is rejected,
 * and the trunk sees nothing). Every user first opens a DM while everyone is a {@code user} and federated users may
 * use the trunk; then the bridge restarts with the permissions under test, as when an admin demotes people.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SipPermissionMatrixTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String SERVER = "test.local";
  private static final String ELSEWHERE = "elsewhere.org";

  /** The people, each with their own numbers: {@code +15550100+n} to call and text, {@code +15550200+n} to DM. */
  enum Who {
    NONE("nina", SERVER, 1), RELAY("rory", SERVER, 2), USER("alice", SERVER, 3), ADMIN("admin", SERVER, 4),
    FEDERATED("fred", ELSEWHERE, 5);

    final String localpart;
    final String server;
    final int n;

    Who(String localpart, String server, int n) {
      this.localpart = localpart;
      this.server = server;
      this.n = n;
    }

    String number() {
      return "+1555010" + n;
    }

    String ghost() {
      return "@_sip_" + number() + ":" + SERVER;
    }

    String newNumber() {
      return "+1555020" + n;
    }

    boolean allowed() {
      return this == USER || this == ADMIN;
    }
  }

  @TempDir
  static Path dir;
  @TempDir
  static Path rtpDir;

  private RtpEngineServer rtpengine;
  private TestHomeserver hs;
  private SippScenario trunk;
  private SipBridge bridge;
  private ObjectNode config;
  private final Map<Who, TestUser> users = new EnumMap<>(Who.class);
  private final Map<Who, String> dms = new EnumMap<>(Who.class);

  private ObjectNode sipConfig(boolean federated) {
    ObjectNode sip = JSON.objectNode().put("enabled", true).put("default_country_code", "1");
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", trunk.port());
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + rtpengine.ngAddress().getPort());
    sip.putObject("call").put("candidate_wait_ms", 300);
    sip.putObject("dial_plan").put("federated", federated);
    return sip;
  }

  @BeforeAll
  void openDmsThenRestartWithThePermissionsUnderTest() throws Exception {
    rtpengine = RtpEngineServer.start(rtpDir);
    hs = TestHomeserver.start(Options.defaults().serverName(SERVER));
    // A call and a text of each of the two allowed users.
    trunk = SippScenario.serve(Path.of(SipPermissionMatrixTest.class.getResource("/sipp/uas-trunk-text-or-busy.xml")
        .toURI()), dir, Duration.ofSeconds(180), 4, List.of());
    for (Who who : Who.values()) {
      users.put(who, who.server.equals(SERVER) ? hs.user(who.localpart) : hs.remoteUser(who.localpart, who.server));
    }
    int port = FreePorts.udpAndTcp();
    ObjectNode everyoneUser = JSON.objectNode().put(SERVER, "user").put(ELSEWHERE, "user");
    try (SipBridge before = SipBridge.start(hs, sipConfig(true), dir, everyoneUser, port, true)) {
      for (Who who : Who.values()) {
        TestUser u = users.get(who);
        String room = u.createRoom();
        u.invite(room, who.ghost());
        await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(who.ghost())));
        dms.put(who, room);
      }
    }
    ObjectNode underTest = JSON.objectNode().put("@nina:" + SERVER, "none").put("@rory:" + SERVER, "relay")
        .put("@admin:" + SERVER, "admin").put(SERVER, "user").put(ELSEWHERE, "user");
    config = sipConfig(false);
    bridge = SipBridge.start(hs, config, dir, underTest, port, false);
  }

  @AfterAll
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {bridge, trunk, hs, rtpengine}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // closing the rest matters more
      }
    }
  }

  private static ObjectNode invite(String callId) {
    ObjectNode c = JSON.objectNode().put("call_id", callId).put("party_id", "device").put("version", "1")
        .put("lifetime", 60_000);
    c.putObject("offer").put("type", "offer").put("sdp", Sdps.browserOffer());
    return c;
  }

  private static ObjectNode endOfCandidates(String callId) {
    ObjectNode c = JSON.objectNode().put("call_id", callId).put("party_id", "device").put("version", "1");
    c.putArray("candidates").addObject().put("candidate", "").put("sdpMid", "0").put("sdpMLineIndex", 0);
    return c;
  }

  private JsonNode fromGhost(Who who, String room, String ghost, String type, String callId) {
    return hs.awaitEvent(room, ghost, e -> e.path("type").asText().equals(type)
        && (callId == null || e.path("content").path("call_id").asText().equals(callId)), WAIT);
  }

  private String noticeFrom(String room, String ghost) {
    return hs.awaitEvent(room, ghost, e -> "m.notice".equals(e.path("content").path("msgtype").asText()), WAIT)
        .path("content").path("body").asText();
  }

  /** What the trunk saw for this number: request lines only. */
  private boolean trunkSaw(String method, String number) {
    return trunk.messages().contains(method + " sip:" + number + "@");
  }

  private static String refusal(Who who, String noun) {
    return who == Who.RELAY
        ? noun + " to phones need permission level user: the bridge cannot speak for relay users on a phone line."
        : noun + " to phones through this bridge are only for users of its own homeserver.";
  }

  @ParameterizedTest
  @EnumSource(Who.class)
  void aCall(Who who) {
    String room = dms.get(who);
    String callId = "call-" + who;
    TestUser u = users.get(who);

    String invite = u.sendEvent(room, "m.call.invite", invite(callId));
    String candidates = u.sendEvent(room, "m.call.candidates", endOfCandidates(callId));

    if (who.allowed()) {
      // The trunk got the INVITE and said busy; the ghost hangs up for it.
      JsonNode hangup = fromGhost(who, room, who.ghost(), "m.call.hangup", callId);
      assertThat(hangup.path("content").path("reason").asText()).isEqualTo("user_busy");
      assertThat(trunkSaw("INVITE", who.number())).as(trunk::messages).isTrue();
      return;
    }
    if (who == Who.NONE) {
      // Core keeps a none user's events from every connector: done, and nothing reached SIP.
      await().atMost(WAIT).until(() -> bridge.isDone(invite) && bridge.isDone(candidates));
    } else {
      assertThat(noticeFrom(room, who.ghost())).isEqualTo(refusal(who, "Calls"));
      JsonNode reject = fromGhost(who, room, who.ghost(), "m.call.reject", callId);
      assertThat(reject.path("content").path("version").asText()).isEqualTo("1");
      assertThat(reject.path("content").path("party_id").asText()).isNotBlank();
      await().atMost(WAIT).until(() -> bridge.isDone(candidates));
    }
    assertThat(trunkSaw("INVITE", who.number())).as(trunk::messages).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Who.class)
  void aText(Who who) {
    String room = dms.get(who);
    TestUser u = users.get(who);

    String text = u.send(room, "hello from " + who);

    if (who.allowed()) {
      // Delivered (the trunk said 200): the ghost has read it, and the event is done.
      await().atMost(WAIT).until(() -> hs.requests("POST", ".*/receipt/m\\.read/.*").stream()
          .anyMatch(r -> r.decodedPath().contains(text)));
      assertThat(trunkSaw("MESSAGE", who.number())).as(trunk::messages).isTrue();
      await().atMost(WAIT).until(() -> bridge.isDone(text));
      return;
    }
    if (who != Who.NONE) {
      JsonNode notice = hs.awaitEvent(room, who.ghost(),
          e -> "m.notice".equals(e.path("content").path("msgtype").asText())
              && e.path("content").path("m.relates_to").path("m.in_reply_to").path("event_id").asText().equals(text),
          WAIT);
      assertThat(notice.path("content").path("body").asText()).isEqualTo(refusal(who, "Texts"));
    }
    await().atMost(WAIT).until(() -> bridge.isDone(text));
    assertThat(trunkSaw("MESSAGE", who.number())).as(trunk::messages).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Who.class)
  void aNewDm(Who who) {
    TestUser u = users.get(who);
    String ghost = "@_sip_" + who.newNumber() + ":" + SERVER;
    String room = u.createRoom();

    u.invite(room, ghost);

    if (who.allowed()) {
      await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(ghost)));
      return;
    }
    // Refused: the ghost leaves (for a none user, core rejects the invite without a word).
    await().atMost(WAIT).until(() -> "leave".equals(hs.members(room).get(ghost)));
    if (who != Who.NONE) {
      assertThat(noticeFrom(room, ghost)).isEqualTo(refusal(who, "Calls and texts"));
    }
  }

  @ParameterizedTest
  @EnumSource(value = Who.class, names = {"NONE", "RELAY", "FEDERATED"})
  void aPhoneCannotRingThem(Who who) throws Exception {
    String escapedId = "=40" + who.localpart + "=3a" + who.server;
    int invitesBefore = hs.requests("PUT", ".*/send/m\\.call\\.invite/.*").size();

    try (SippScenario phone = SippScenario.call(Path.of(SipPermissionMatrixTest.class
        .getResource("/sipp/uac-call-unknown.xml").toURI()), "127.0.0.1:" + config.path("listen").path("port")
        .asInt(), dir, Duration.ofSeconds(30), List.of("-s", escapedId))) {
      // 404, as for nobody: the caller learns nothing, and no Matrix client rings.
      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
    }
    assertThat(hs.requests("PUT", ".*/send/m\\.call\\.invite/.*")).hasSize(invitesBefore);
  }

  @Test
  void theDialPlanTellsAUserWhyPremiumEmergencyAndInternalTargetsAreRefused() {
    TestUser alice = users.get(Who.USER);
    String premium = "@_sip_+19005550123:" + SERVER;
    String room = alice.createRoom();

    alice.invite(room, premium);

    await().atMost(WAIT).until(() -> "leave".equals(hs.members(room).get(premium)));
    assertThat(noticeFrom(room, premium)).isEqualTo("Calls and texts to +19005550123 are not allowed by this "
        + "bridge's dial plan (premium rate).");
    AdminRoom admin = AdminRoom.open(hs, alice, WAIT);
    assertThat(admin.ask("!sip call 911")).startsWith("This bridge does not place emergency calls or texts (911)");
    assertThat(admin.ask("!sip call +44 20 7123 4567")).isEqualTo("Calls and texts to +442071234567 are not "
        + "allowed by this bridge's dial plan (international; it calls +1 numbers only).");
    assertThat(admin.ask("!sip call bob@127.0.0.1")).isEqualTo("Calls and texts to bob@127.0.0.1 are not allowed "
        + "by this bridge's dial plan (an internal address).");
    assertThat(admin.ask("!sip call pbx@localhost")).endsWith("(an internal address).");
    assertThat(trunk.messages()).doesNotContain("+19005550123", "911", "+442071234567", "bob@");
  }
}
