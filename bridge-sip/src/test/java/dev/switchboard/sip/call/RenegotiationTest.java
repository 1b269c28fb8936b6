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

/** Hold and resume in a call that is up: re-INVITE ↔ m.call.negotiate, both ways, through rtpengine. */
class RenegotiationTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir
  static Path rtpDir;
  @TempDir
  Path dir;

  @RegisterExtension
  static final Fixture<RtpEngineServer> rtpengine = Fixture.of(() -> RtpEngineServer.start(rtpDir));

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(RenegotiationTest.class.getResource("/sipp/" + name).toURI());
  }

  private static ObjectNode sipConfig(int phonePort) {
    ObjectNode sip = JSON.objectNode().put("enabled", true).put("default_country_code", "1"); // the dial plan's home
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", phonePort);
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + rtpengine.get().ngAddress().getPort());
    sip.putObject("call").put("candidate_wait_ms", 300);
    return sip;
  }

  private static ObjectNode event(String callId) {
    return JSON.objectNode().put("call_id", callId).put("party_id", "alice-device").put("version", "1");
  }

  private static JsonNode awaitNegotiate(TestHomeserver hs, String room, String ghost, String type,
      SippScenario phone) {
    try {
      return hs.awaitEvent(room, ghost, e -> e.path("type").asText().equals("m.call.negotiate")
          && e.path("content").path("description").path("type").asText().equals(type), WAIT);
    } catch (AssertionError e) {
      throw new AssertionError("no m.call.negotiate " + type + "; the phone saw:\n" + phone.messages()
          + phone.diagnostics(), e);
    }
  }

  @Test
  void thePhoneHoldsWithAReInviteAndTheMatrixUserResumesWithNegotiate() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-answer-hold-resume.xml"), dir, Duration.ofSeconds(90));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String ghost = "@_sip_+15550010:test.local";
      String room = alice.createRoom();
      alice.invite(room, ghost);
      await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(ghost)));

      ObjectNode invite = event("call-hold").put("lifetime", 60_000);
      invite.putObject("offer").put("type", "offer").put("sdp", Sdps.browserOffer());
      alice.sendEvent(room, "m.call.invite", invite);
      ObjectNode end = event("call-hold");
      end.putArray("candidates").addObject().put("candidate", "").put("sdpMid", "0").put("sdpMLineIndex", 0);
      alice.sendEvent(room, "m.call.candidates", end);
      hs.awaitEvent(room, ghost, e -> e.path("type").asText().equals("m.call.answer"), WAIT);

      // The phone puts the call on hold: Matrix gets a WebRTC-shaped offer that says so.
      JsonNode offer = awaitNegotiate(hs, room, ghost, "offer", phone);
      String matrixSdp = offer.path("content").path("description").path("sdp").asText();
      assertThat(matrixSdp).contains("UDP/TLS/RTP/SAVPF", "a=fingerprint:", "a=ice-ufrag:", "a=sendonly")
          .doesNotContain("RTP/AVP 0");
      assertThat(offer.path("content").path("version").asText()).isEqualTo("1");
      assertThat(offer.path("content").path("lifetime").asLong()).isPositive();
      ObjectNode answer = event("call-hold");
      answer.putObject("description").put("type", "answer")
          .put("sdp", PhoneToMatrixCallTest.browserAnswer(matrixSdp).replace("a=sendrecv", "a=recvonly"));
      alice.sendEvent(room, "m.call.negotiate", answer);

      // The phone got its 200 OK (plain RTP, recvonly: the scenario checks) and ACKed; now Alice resumes.
      await().atMost(WAIT).until(() -> phone.messages().contains("ACK sip:"));
      ObjectNode resume = event("call-hold").put("lifetime", 30_000);
      resume.putObject("description").put("type", "offer").put("sdp", Sdps.browserOffer());
      alice.sendEvent(room, "m.call.negotiate", resume);

      JsonNode resumed = awaitNegotiate(hs, room, ghost, "answer", phone);
      assertThat(resumed.path("content").path("description").path("sdp").asText())
          .contains("UDP/TLS/RTP/SAVPF", "a=fingerprint:", "a=ice-ufrag:");
      String reInvite = phone.messages().substring(phone.messages().lastIndexOf("INVITE sip:"));
      assertThat(reInvite.substring(0, reInvite.indexOf("-----"))).contains(" RTP/AVP ")
          .doesNotContain("a=ice-ufrag", "a=fingerprint", "SAVPF");

      alice.sendEvent(room, "m.call.hangup", event("call-hold").put("reason", "user_hangup"));
      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
    }
  }
}
