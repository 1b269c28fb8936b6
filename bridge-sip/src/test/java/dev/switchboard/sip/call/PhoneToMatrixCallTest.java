package dev.switchboard.sip.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.sip.SipBridge;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.RecordedRequest;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.sip.RtpEngineServer;
import dev.switchboard.testkit.sip.SippScenario;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** SIP phone → Matrix user, against real SIPp (the calling phone) and rtpengine, with the testkit homeserver. */
class PhoneToMatrixCallTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45); // generous: CI machines are slow and shared
  private static final String GHOST = "@_sip_+15550123:test.local";
  private static final String ALICE = "@alice:test.local";

  @TempDir
  static Path rtpDir;
  @TempDir
  Path dir;

  @RegisterExtension
  static final Fixture<RtpEngineServer> rtpengine = Fixture.of(() -> RtpEngineServer.start(rtpDir));

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(PhoneToMatrixCallTest.class.getResource("/sipp/" + name).toURI());
  }

  /** The bridge's SIP config: +15550100 rings Alice. */
  private static ObjectNode sipConfig(int lifetimeMs) {
    ObjectNode sip = JSON.objectNode().put("enabled", true);
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + rtpengine.get().ngAddress().getPort());
    sip.putObject("call").put("candidate_wait_ms", 300);
    ObjectNode inbound = sip.putObject("inbound").put("lifetime_ms", lifetimeMs);
    inbound.putObject("numbers").put("+1 555 0100", ALICE);
    return sip;
  }

  private SippScenario call(ObjectNode config, String scenario, String service) throws URISyntaxException {
    return SippScenario.call(scenario(scenario), "127.0.0.1:" + config.path("listen").path("port").asInt(), dir,
        Duration.ofSeconds(30), List.of("-s", service));
  }

  /** The room the ghost rings Alice in: where its {@code m.call.invite} went. */
  private static String ringingRoom(TestHomeserver hs, SippScenario phone) {
    Pattern path = Pattern.compile("/rooms/([^/]+)/send/m\\.call\\.invite/");
    try {
      await().atMost(WAIT).until(() -> !hs.requests("PUT", ".*/send/m\\.call\\.invite/.*").isEmpty());
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("no m.call.invite; the phone saw:\n" + phone.messages() + phone.diagnostics(), e);
    }
    RecordedRequest put = hs.requests("PUT", ".*/send/m\\.call\\.invite/.*").get(0);
    Matcher m = path.matcher(put.decodedPath());
    assertThat(m.find()).as(put.decodedPath()).isTrue();
    return m.group(1);
  }

  private static JsonNode awaitFromGhost(TestHomeserver hs, String room, String type, SippScenario phone) {
    try {
      return hs.awaitEvent(room, GHOST, e -> e.path("type").asText().equals(type), WAIT);
    } catch (AssertionError e) {
      throw new AssertionError("no " + type + " from the ghost; the phone saw:\n" + phone.messages() + "\n"
          + phone.diagnostics(), e);
    }
  }

  /** What a browser answers to rtpengine's WebRTC offer: Opus, DTLS active, ICE, rtcp-mux, the offer's mid. */
  static String browserAnswer(String offer) {
    String mid = group(offer, "a=mid:(\\S+)");
    String opus = group(offer, "a=rtpmap:(\\d+) opus/48000");
    return String.join("\r\n", "v=0", "o=- 4611731400430051337 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
        "a=group:BUNDLE " + mid, "a=msid-semantic: WMS answer",
        "m=audio 9 UDP/TLS/RTP/SAVPF " + opus, "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Jk2Q", "a=ice-pwd:xQbSxA0dGNn5cFhr5Ew2X6Uy", "a=ice-options:trickle",
        "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0"
            + ":A1:2C:19:08",
        "a=setup:active", "a=mid:" + mid, "a=sendrecv", "a=rtcp-mux",
        "a=rtpmap:" + opus + " opus/48000/2", "a=fmtp:" + opus + " minptime=10;useinbandfec=1",
        "a=ssrc:1234567 cname:answer") + "\r\n";
  }

  private static String group(String s, String regex) {
    Matcher m = Pattern.compile(regex).matcher(s);
    assertThat(m.find()).as("%s in\n%s", regex, s).isTrue();
    return m.group(1);
  }

  /** Alice joins, answers from her device "alice-phone", and trickles a candidate and end-of-candidates. */
  static void answer(TestUser alice, String room, JsonNode invite) {
    String callId = invite.path("content").path("call_id").asText();
    ObjectNode answer = JSON.objectNode().put("call_id", callId).put("party_id", "alice-phone").put("version", "1");
    answer.putObject("answer").put("type", "answer")
        .put("sdp", browserAnswer(invite.path("content").path("offer").path("sdp").asText()));
    alice.sendEvent(room, "m.call.answer", answer);
    ObjectNode candidates = JSON.objectNode().put("call_id", callId).put("party_id", "alice-phone")
        .put("version", "1");
    var list = candidates.putArray("candidates");
    list.addObject().put("candidate", "candidate:1467250027 1 udp 2122260223 127.0.0.1 46244 typ host generation 0")
        .put("sdpMid", "0").put("sdpMLineIndex", 0);
    list.addObject().put("candidate", "").put("sdpMid", "0").put("sdpMLineIndex", 0);
    alice.sendEvent(room, "m.call.candidates", candidates);
  }

  private static ObjectNode callEvent(JsonNode invite) {
    return JSON.objectNode().put("call_id", invite.path("content").path("call_id").asText())
        .put("party_id", "alice-phone").put("version", "1");
  }

  @Test
  void aPhoneCallRingsTheMatrixUserAndIsAnsweredThenThePhoneHangsUp() throws Exception {
    ObjectNode config = sipConfig(60_000);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      TestUser alice = hs.user("alice");
      try (SippScenario phone = call(config, "uac-call-phone-hangs-up.xml", "+15550100")) {
        String room = ringingRoom(hs, phone);
        JsonNode invite = awaitFromGhost(hs, room, "m.call.invite", phone);
        JsonNode c = invite.path("content");
        assertThat(c.path("version").asText()).isEqualTo("1");
        assertThat(c.path("invitee").asText()).isEqualTo(ALICE);
        assertThat(c.path("lifetime").asLong()).isEqualTo(60_000);
        assertThat(c.path("party_id").asText()).isNotBlank();
        assertThat(c.path("offer").path("type").asText()).isEqualTo("offer");
        assertThat(c.path("offer").path("sdp").asText()).contains("UDP/TLS/RTP/SAVPF", "a=fingerprint:sha-256 ",
            "a=ice-ufrag:", "a=candidate:", "a=rtcp-mux", "a=mid:", "opus/48000").doesNotContain("a=crypto");
        JsonNode eoc = awaitFromGhost(hs, room, "m.call.candidates", phone);
        assertThat(eoc.path("content").path("candidates").get(0).path("candidate").asText()).isEmpty();
        assertThat(hs.members(room)).containsEntry(ALICE, "invite");
        await().atMost(WAIT).until(() -> phone.messages().contains("SIP/2.0 180 Ringing"));

        alice.join(room);
        answer(alice, room, invite);

        JsonNode select = awaitFromGhost(hs, room, "m.call.select_answer", phone);
        assertThat(select.path("content").path("selected_party_id").asText()).isEqualTo("alice-phone");
        JsonNode hangup = awaitFromGhost(hs, room, "m.call.hangup", phone);
        assertThat(hangup.path("content").path("reason").asText()).isEqualTo("user_hangup");
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        String ok = phone.messages().substring(phone.messages().indexOf("SIP/2.0 200 OK"));
        String sdp = ok.substring(ok.indexOf("v=0"), ok.indexOf("----"));
        assertThat(sdp).contains(" RTP/AVP ").containsAnyOf("PCMU/8000", "PCMA/8000")
            .doesNotContain("a=ice-ufrag", "a=candidate", "a=fingerprint", "a=crypto", "SAVPF");
        hs.assertNoSchemaViolations();
      }
    }
  }

  @Test
  void aPhoneCanDialAMatrixUserByEscapedIdAndTheMatrixUserHangsUp() throws Exception {
    ObjectNode config = sipConfig(60_000);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      TestUser alice = hs.user("alice");
      try (SippScenario phone = call(config, "uac-call-matrix-hangs-up.xml", "=40alice=3atest.local")) {
        String room = ringingRoom(hs, phone);
        JsonNode invite = awaitFromGhost(hs, room, "m.call.invite", phone);
        alice.join(room);
        answer(alice, room, invite);
        awaitFromGhost(hs, room, "m.call.select_answer", phone);

        alice.sendEvent(room, "m.call.hangup", callEvent(invite).put("reason", "user_hangup"));

        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        assertThat(phone.messages()).contains("BYE sip:+15550123@127.0.0.1:");
      }
    }
  }

  @Test
  void aRejectInMatrixDeclinesThePhoneCall() throws Exception {
    ObjectNode config = sipConfig(60_000);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      TestUser alice = hs.user("alice");
      try (SippScenario phone = call(config, "uac-call-declined.xml", "+15550100")) {
        String room = ringingRoom(hs, phone);
        JsonNode invite = awaitFromGhost(hs, room, "m.call.invite", phone);
        await().atMost(WAIT).until(() -> phone.messages().contains("SIP/2.0 180 Ringing"));
        alice.join(room);

        alice.sendEvent(room, "m.call.reject", callEvent(invite));

        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        assertThat(phone.messages()).contains("SIP/2.0 603 Decline");
      }
    }
  }

  @Test
  void anUnansweredPhoneCallEndsWith480AndInviteTimeout() throws Exception {
    ObjectNode config = sipConfig(1_500);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      hs.user("alice");
      try (SippScenario phone = call(config, "uac-call-unanswered.xml", "+15550100")) {
        String room = ringingRoom(hs, phone);
        assertThat(awaitFromGhost(hs, room, "m.call.invite", phone).path("content").path("lifetime").asLong())
            .isEqualTo(1_500);

        JsonNode hangup = awaitFromGhost(hs, room, "m.call.hangup", phone);
        assertThat(hangup.path("content").path("reason").asText()).isEqualTo("invite_timeout");
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        assertThat(phone.messages()).contains("SIP/2.0 480 Temporarily Unavailable");
      }
    }
  }

  @Test
  void aPhoneThatGivesUpWhileRingingHangsUpTheMatrixCall() throws Exception {
    ObjectNode config = sipConfig(60_000);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      hs.user("alice");
      try (SippScenario phone = call(config, "uac-call-cancelled.xml", "+15550100")) {
        String room = ringingRoom(hs, phone);
        JsonNode invite = awaitFromGhost(hs, room, "m.call.invite", phone);

        JsonNode hangup = awaitFromGhost(hs, room, "m.call.hangup", phone);
        assertThat(hangup.path("content").path("call_id").asText())
            .isEqualTo(invite.path("content").path("call_id").asText());
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        assertThat(phone.messages()).contains("SIP/2.0 487 Request Terminated");
      }
    }
  }

  @Test
  void aCallForNobodyIsRefusedWith404AndRingsNoOne() throws Exception {
    ObjectNode config = sipConfig(60_000);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      hs.user("alice");
      // An escaped id of another homeserver is nobody too: calls never ring across federation.
      try (SippScenario phone = call(config, "uac-call-unknown.xml", "=40alice=3aelsewhere.org")) {
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        assertThat(hs.requests("PUT", ".*/send/m\\.call\\.invite/.*")).isEmpty();
      }
    }
  }

  @Test
  void anAnswerThatComesBeforeOurEndOfCandidatesIsNotLost() throws Exception {
    ObjectNode config = sipConfig(60_000);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      TestUser alice = hs.user("alice");
      // Hold the ghost's end-of-candidates: the user answers while the call is still being offered.
      hs.faults().next(1).matching("/send/m\\.call\\.candidates/").delay(Duration.ofSeconds(3));
      try (SippScenario phone = call(config, "uac-call-video.xml", "+15550100")) {
        String room = ringingRoom(hs, phone);
        JsonNode invite = awaitFromGhost(hs, room, "m.call.invite", phone);
        alice.join(room);
        answer(alice, room, invite);

        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
      }
    }
  }

  // This test answers as soon as the invite is seen, before our end-of-candidates and 180; that is how it found
  // that such an early answer was dropped (the phone rang until it gave up).
  @Test
  void aVideoCallFromAPhoneRingsAsAudioAndTheVideoIsRejected() throws Exception {
    ObjectNode config = sipConfig(60_000);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      TestUser alice = hs.user("alice");
      try (SippScenario phone = call(config, "uac-call-video.xml", "+15550100")) {
        String room = ringingRoom(hs, phone);
        JsonNode invite = awaitFromGhost(hs, room, "m.call.invite", phone);
        assertThat(invite.path("content").path("offer").path("sdp").asText()).doesNotContain("m=video");
        alice.join(room);
        answer(alice, room, invite);

        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        assertThat(phone.messages()).contains("m=video 0 RTP/AVP");
      }
    }
  }

  @Test
  void aReInviteFromThePhoneBecomesANegotiateAndTheMatrixAnswerGoesBackToThePhone() throws Exception {
    ObjectNode config = sipConfig(60_000);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      TestUser alice = hs.user("alice");
      try (SippScenario phone = call(config, "uac-call-reinvite.xml", "+15550100")) {
        String room = ringingRoom(hs, phone);
        JsonNode invite = awaitFromGhost(hs, room, "m.call.invite", phone);
        alice.join(room);
        answer(alice, room, invite);

        JsonNode negotiate = hs.awaitEvent(room, GHOST, e -> e.path("type").asText().equals("m.call.negotiate"),
            WAIT);
        String holdOffer = negotiate.path("content").path("description").path("sdp").asText();
        assertThat(holdOffer).contains("UDP/TLS/RTP/SAVPF", "a=sendonly");
        ObjectNode holdAnswer = callEvent(invite);
        holdAnswer.putObject("description").put("type", "answer")
            .put("sdp", browserAnswer(holdOffer).replace("a=sendrecv", "a=recvonly"));
        alice.sendEvent(room, "m.call.negotiate", holdAnswer);

        assertThat(phone.awaitExit(WAIT)).as(() -> phone.messages() + phone.diagnostics()).isZero();
        JsonNode hangup = awaitFromGhost(hs, room, "m.call.hangup", phone);
        assertThat(hangup.path("content").path("reason").asText()).isEqualTo("user_hangup");
        assertThat(hs.requests("PUT", ".*/send/m\\.call\\.invite/.*")).hasSize(1);
      }
    }
  }

  @Test
  void aKeyPressSentAsInfoIsPlayedIntoTheCallByRtpengine() throws Exception {
    ObjectNode config = sipConfig(60_000);
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      TestUser alice = hs.user("alice");
      try (SippScenario phone = call(config, "uac-call-info-dtmf.xml", "+15550100")) {
        String room = ringingRoom(hs, phone);
        JsonNode invite = awaitFromGhost(hs, room, "m.call.invite", phone);
        // RFC 4733 events pass through rtpengine: the Matrix client is offered telephone-event.
        assertThat(invite.path("content").path("offer").path("sdp").asText()).contains("telephone-event/");
        alice.join(room);
        answer(alice, room, invite);

        assertThat(phone.awaitExit(WAIT)).as(() -> phone.messages() + phone.diagnostics()).isZero();
        String info = phone.messages().substring(phone.messages().indexOf("INFO sip:"));
        assertThat(info).contains("SIP/2.0 200 OK", "SIP/2.0 415 ");
      }
    }
  }
}
