package dev.switchboard.sip.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.sip.SipBridge;
import dev.switchboard.sip.media.Sdps;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.sip.RtpEngineServer;
import dev.switchboard.testkit.sip.SippScenario;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Matrix user → SIP phone, against real SIPp (the phone) and rtpengine, with the testkit homeserver. */
class MatrixToPhoneCallTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45); // generous: CI machines are slow and shared

  @TempDir
  static Path rtpDir;
  @TempDir
  Path dir;

  @RegisterExtension
  static final Fixture<RtpEngineServer> rtpengine = Fixture.of(() -> RtpEngineServer.start(rtpDir));

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(MatrixToPhoneCallTest.class.getResource("/sipp/" + name).toURI());
  }

  private ObjectNode sipConfig(int phonePort) {
    ObjectNode sip = JSON.objectNode().put("enabled", true).put("default_country_code", "1"); // the dial plan's home
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", phonePort);
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + rtpengine.get().ngAddress().getPort());
    sip.putObject("call").put("candidate_wait_ms", 300);
    return sip;
  }

  /** Alice opens a DM with the number's ghost, and the ghost joins it. */
  private static String dmWithGhost(TestHomeserver hs, TestUser alice, String ghost) {
    String room = alice.createRoom();
    alice.invite(room, ghost);
    await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(ghost)));
    return room;
  }

  private static ObjectNode invite(String callId) {
    ObjectNode c = JSON.objectNode().put("call_id", callId).put("party_id", "alice-device").put("version", "1")
        .put("lifetime", 60_000);
    c.putObject("offer").put("type", "offer").put("sdp", Sdps.browserOffer());
    return c;
  }

  private static ObjectNode endOfCandidates(String callId) {
    ObjectNode c = JSON.objectNode().put("call_id", callId).put("party_id", "alice-device").put("version", "1");
    c.putArray("candidates").addObject().put("candidate", "").put("sdpMid", "0").put("sdpMLineIndex", 0);
    return c;
  }

  /** The ghost's next event of this type; on timeout the failure shows what the phone saw instead. */
  private static JsonNode awaitFromGhost(TestHomeserver hs, String room, String ghost, String type,
      SippScenario phone) {
    try {
      return hs.awaitEvent(room, ghost, e -> e.path("type").asText().equals(type), WAIT);
    } catch (AssertionError e) {
      throw new AssertionError("no " + type + " from " + ghost + "; the phone saw:\n" + phone.messages() + "\n"
          + phone.diagnostics(), e);
    }
  }

  @Test
  void aMatrixCallToANumberRingsThePhoneAndIsAnswered() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-answer.xml"), dir, Duration.ofSeconds(30));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550001:test.local";
      String room = dmWithGhost(hs, alice, ghost);

      alice.sendEvent(room, "m.call.invite", invite("call-1"));
      alice.sendEvent(room, "m.call.candidates", endOfCandidates("call-1"));

      JsonNode answer = awaitFromGhost(hs, room, ghost, "m.call.answer", phone);
      JsonNode content = answer.path("content");
      assertThat(content.path("call_id").asText()).isEqualTo("call-1");
      assertThat(content.path("version").asText()).isEqualTo("1");
      assertThat(content.path("party_id").asText()).isNotBlank().isNotEqualTo("alice-device");
      String browserSdp = content.path("answer").path("sdp").asText();
      assertThat(content.path("answer").path("type").asText()).isEqualTo("answer");
      assertThat(browserSdp).contains("UDP/TLS/RTP/SAVPF", "a=fingerprint:sha-256 ", "a=ice-ufrag:", "a=ice-pwd:",
          "a=candidate:", "a=rtcp-mux", "a=mid:0").doesNotContain("a=crypto");
      JsonNode candidates = hs.awaitEvent(room, ghost, e -> e.path("type").asText().equals("m.call.candidates"),
          WAIT);
      assertThat(candidates.path("content").path("candidates").get(0).path("candidate").asText()).isEmpty();

      // The phone got a plain RTP offer.
      String invite = phone.messages();
      String inviteSdp = invite.substring(invite.indexOf("INVITE sip:"));
      assertThat(inviteSdp).contains("INVITE sip:+15550001@127.0.0.1:" + phone.port())
          .contains(" RTP/AVP ", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000");
      String offerBody = inviteSdp.substring(inviteSdp.indexOf("v=0"), inviteSdp.indexOf("----"));
      assertThat(offerBody).doesNotContain("a=ice-ufrag", "a=candidate", "a=fingerprint", "a=crypto", "SAVPF");

      alice.sendEvent(room, "m.call.hangup", JSON.objectNode().put("call_id", "call-1")
          .put("party_id", "alice-device").put("version", "1").put("reason", "user_hangup"));

      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
      assertThat(phone.messages()).contains("BYE sip:phone@127.0.0.1:" + phone.port());
      // The call's meters: started, answered, and no longer active once hung up.
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(bridge.counter("switchboard.sip.calls", "direction", "outbound", "outcome", "started")).isEqualTo(1);
        assertThat(bridge.counter("switchboard.sip.calls", "direction", "outbound", "outcome", "answered"))
            .isEqualTo(1);
        assertThat(bridge.counter("switchboard.sip.calls", "direction", "outbound", "outcome", "failed")).isZero();
        assertThat(bridge.gauge("switchboard.sip.calls.active", "protocol", "sip")).isZero();
      });
    }
  }

  @Test
  void aCallToTheGhostOfASipAddressWithAPortRingsThatPort() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario softphone = SippScenario.serve(scenario("uas-answer.xml"), dir, Duration.ofSeconds(30))) {
      ObjectNode config = sipConfig(FreePorts.udpAndTcp()); // the trunk is elsewhere: a SIP address goes direct
      config.putObject("dial_plan").putArray("internal_hosts").add("127.0.0.1");
      try (SipBridge bridge = SipBridge.start(hs, config, dir)) {
        TestUser alice = hs.user("alice");
        // sip:phone@127.0.0.1:<port>, a softphone on a port other than 5060
        String ghost = "@_sip_phone=40127.0.0.1=3a" + softphone.port() + ":test.local";
        String room = dmWithGhost(hs, alice, ghost);

        alice.sendEvent(room, "m.call.invite", invite("call-port"));
        alice.sendEvent(room, "m.call.candidates", endOfCandidates("call-port"));

        JsonNode answer = awaitFromGhost(hs, room, ghost, "m.call.answer", softphone);
        assertThat(answer.path("content").path("call_id").asText()).isEqualTo("call-port");
        assertThat(softphone.messages()).contains("INVITE sip:phone@127.0.0.1:" + softphone.port() + " SIP/2.0");

        alice.sendEvent(room, "m.call.hangup", hangup("call-port"));
        assertThat(softphone.awaitExit(WAIT)).as(softphone::diagnostics).isZero();
      }
    }
  }

  @Test
  void aBusyPhoneHangsUpTheMatrixCallWithUserBusy() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-busy.xml"), dir, Duration.ofSeconds(30));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550002:test.local";
      String room = dmWithGhost(hs, alice, ghost);

      alice.sendEvent(room, "m.call.invite", invite("call-busy"));

      JsonNode hangup = awaitFromGhost(hs, room, ghost, "m.call.hangup", phone);
      assertThat(hangup.path("content").path("reason").asText()).isEqualTo("user_busy");
      assertThat(hangup.path("content").path("call_id").asText()).isEqualTo("call-busy");
      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(bridge.counter("switchboard.sip.calls", "direction", "outbound", "outcome", "started")).isEqualTo(1);
        assertThat(bridge.counter("switchboard.sip.calls", "direction", "outbound", "outcome", "failed")).isEqualTo(1);
        assertThat(bridge.counter("switchboard.sip.calls", "direction", "outbound", "outcome", "answered")).isZero();
        assertThat(bridge.gauge("switchboard.sip.calls.active", "protocol", "sip")).isZero();
      });
    }
  }
  private static ObjectNode hangup(String callId) {
    return JSON.objectNode().put("call_id", callId).put("party_id", "alice-device").put("version", "1")
        .put("reason", "user_hangup");
  }

  @Test
  void aDigestChallengeFromThePbxIsAnsweredWithTheTrunkCredentials() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-auth.xml"), dir, Duration.ofSeconds(30))) {
      ObjectNode config = sipConfig(phone.port());
      ((ObjectNode) config.path("trunk")).put("username", "bridge").put("password", "s3cret");
      try (SipBridge bridge = SipBridge.start(hs, config, dir)) {
        TestUser alice = hs.user("alice");
        String ghost = "@_sip_+15550003:test.local";
        String room = dmWithGhost(hs, alice, ghost);

        alice.sendEvent(room, "m.call.invite", invite("call-auth"));
        alice.sendEvent(room, "m.call.candidates", endOfCandidates("call-auth"));

        JsonNode answer = awaitFromGhost(hs, room, ghost, "m.call.answer", phone);
        assertThat(answer.path("content").path("call_id").asText()).isEqualTo("call-auth");
        assertThat(phone.messages()).contains("Authorization: Digest ", "username=\"bridge\"",
            "realm=\"pbx.test\"", "nonce=\"5ab7d0f8c1e2\"");

        alice.sendEvent(room, "m.call.hangup", hangup("call-auth"));
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
      }
    }
  }

  @Test
  void hangingUpWhileThePhoneRingsCancelsTheInvite() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-ring-cancel.xml"), dir, Duration.ofSeconds(30));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550004:test.local";
      String room = dmWithGhost(hs, alice, ghost);

      alice.sendEvent(room, "m.call.invite", invite("call-cancel"));
      alice.sendEvent(room, "m.call.candidates", endOfCandidates("call-cancel"));
      await().atMost(WAIT).until(() -> phone.messages().contains("SIP/2.0 180 Ringing"));

      alice.sendEvent(room, "m.call.hangup", hangup("call-cancel"));

      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
      assertThat(phone.messages()).contains("CANCEL sip:+15550004@127.0.0.1:" + phone.port(),
          "SIP/2.0 487 Request Terminated");
      // The hangup was the Matrix user's own: the ghost says nothing more.
      Thread.sleep(300);
      assertThat(hs.timeline(room)).noneMatch(e -> e.path("sender").asText().equals(ghost)
          && e.path("type").asText().equals("m.call.hangup"));
    }
  }

  @Test
  void anUnansweredCallEndsWhenTheInviteLifetimeRunsOut() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-ring-cancel.xml"), dir, Duration.ofSeconds(30));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550005:test.local";
      String room = dmWithGhost(hs, alice, ghost);

      alice.sendEvent(room, "m.call.invite", invite("call-lifetime").put("lifetime", 2_000));
      alice.sendEvent(room, "m.call.candidates", endOfCandidates("call-lifetime"));

      JsonNode hangup = awaitFromGhost(hs, room, ghost, "m.call.hangup", phone);
      assertThat(hangup.path("content").path("reason").asText()).isEqualTo("invite_timeout");
      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
      assertThat(phone.messages()).contains("CANCEL sip:+15550005@");
    }
  }

  @Test
  void whenThePhoneHangsUpTheGhostHangsUpInMatrix() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-answer-then-bye.xml"), dir, Duration.ofSeconds(30));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550006:test.local";
      String room = dmWithGhost(hs, alice, ghost);

      alice.sendEvent(room, "m.call.invite", invite("call-bye"));
      alice.sendEvent(room, "m.call.candidates", endOfCandidates("call-bye"));

      awaitFromGhost(hs, room, ghost, "m.call.answer", phone);
      JsonNode hangup = awaitFromGhost(hs, room, ghost, "m.call.hangup", phone);
      assertThat(hangup.path("content").path("call_id").asText()).isEqualTo("call-bye");
      assertThat(hangup.path("content").path("reason").asText()).isEqualTo("user_hangup");
      assertThat(hangup.path("content").path("version").asText()).isEqualTo("1");
      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
    }
  }

  @Test
  void aDeclineFromThePhoneRejectsTheMatrixCall() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-decline.xml"), dir, Duration.ofSeconds(30));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550007:test.local";
      String room = dmWithGhost(hs, alice, ghost);

      alice.sendEvent(room, "m.call.invite", invite("call-decline"));

      JsonNode reject = awaitFromGhost(hs, room, ghost, "m.call.reject", phone);
      assertThat(reject.path("content").path("call_id").asText()).isEqualTo("call-decline");
      assertThat(reject.path("content").path("party_id").asText()).isNotBlank();
      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
    }
  }
  /** The browser offer with a camera as well: a second, bundled, VP8 section. */
  private static String audioVideoOffer() {
    String fingerprint = Sdps.browserOffer().lines().filter(l -> l.startsWith("a=fingerprint:")).findFirst()
        .orElseThrow();
    return Sdps.browserOffer().replace("a=group:BUNDLE 0\r\n", "a=group:BUNDLE 0 1\r\n")
        + String.join("\r\n", "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Hm9X", "a=ice-pwd:mQbSxA0dGNn5cFhr5Ew2X6Ux", "a=ice-options:trickle", fingerprint,
        "a=setup:actpass", "a=mid:1", "a=sendrecv", "a=rtcp-mux", "a=rtpmap:96 VP8/90000",
        "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96") + "\r\n";
  }

  @Test
  void aVideoCallRingsThePhoneWithAudioOnlyAndTheAnswerRejectsTheVideo() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-answer.xml"), dir, Duration.ofSeconds(30));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550008:test.local";
      String room = dmWithGhost(hs, alice, ghost);
      ObjectNode invite = invite("call-video");
      ((ObjectNode) invite.path("offer")).put("sdp", audioVideoOffer());

      alice.sendEvent(room, "m.call.invite", invite);
      alice.sendEvent(room, "m.call.candidates", endOfCandidates("call-video"));

      JsonNode answer = awaitFromGhost(hs, room, ghost, "m.call.answer", phone);
      String sdp = answer.path("content").path("answer").path("sdp").asText();
      assertThat(sdp).contains("m=audio ", "a=mid:0", "m=video 0 UDP/TLS/RTP/SAVPF", "a=mid:1");
      assertThat(sdp.indexOf("m=video")).isGreaterThan(sdp.indexOf("m=audio"));
      assertThat(phone.messages()).contains("INVITE sip:").doesNotContain("m=video", "VP8");

      alice.sendEvent(room, "m.call.hangup", hangup("call-video"));
      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
    }
  }

  @Test
  void candidatesTrickledAfterTheOfferGoToRtpengine() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-answer.xml"), dir, Duration.ofSeconds(30));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550009:test.local";
      String room = dmWithGhost(hs, alice, ghost);
      alice.sendEvent(room, "m.call.invite", invite("call-trickle"));
      alice.sendEvent(room, "m.call.candidates", endOfCandidates("call-trickle"));
      awaitFromGhost(hs, room, ghost, "m.call.answer", phone);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("Call-ID: (\\S+)").matcher(phone.messages());
      assertThat(m.find()).isTrue();
      String offerCommands = "[" + m.group(1) + "]: [control] Received command 'offer'";
      assertThat(rtpengine.get().log().split(java.util.regex.Pattern.quote(offerCommands), -1)).hasSize(2);

      // A late candidate (e.g. a TURN relay that took a while), for the audio section.
      ObjectNode late = JSON.objectNode().put("call_id", "call-trickle").put("party_id", "alice-device")
          .put("version", "1");
      late.putArray("candidates").addObject()
          .put("candidate", "candidate:842163049 1 udp 1677729535 127.0.0.1 50123 typ srflx raddr 0.0.0.0 rport 0")
          .put("sdpMid", "0").put("sdpMLineIndex", 0);
      alice.sendEvent(room, "m.call.candidates", late);

      await().atMost(WAIT).until(() -> rtpengine.get().log().split(java.util.regex.Pattern.quote(offerCommands), -1)
          .length == 3);
      assertThat(rtpengine.get().log()).doesNotContain("unknown media ID");
      alice.sendEvent(room, "m.call.hangup", hangup("call-trickle"));
      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
    }
  }
}
