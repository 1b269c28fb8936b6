package dev.switchboard.sip.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.sip.AdminRoom;
import dev.switchboard.sip.SipBridge;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.RecordedRequest;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.sip.SippScenario;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIP MESSAGE ↔ m.text, against SIPp phones and the testkit homeserver (no media: no rtpengine needed). */
class TextMessagesTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String ALICE = "@alice:test.local";

  @TempDir
  Path dir;

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(TextMessagesTest.class.getResource("/sipp/" + name).toURI());
  }

  private static ObjectNode sipConfig(int trunkPort) {
    ObjectNode sip = JSON.objectNode().put("enabled", true).put("default_country_code", "1"); // the dial plan's home
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", trunkPort).put("username", "bridge")
        .put("password", "s3cret");
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + FreePorts.udp());
    sip.putObject("inbound").putObject("numbers").put("+1 555 0100", ALICE);
    return sip;
  }

  /** Uploads {@code bytes} as {@code user}, as a Matrix client does; the {@code mxc://} URI. */
  private static String upload(TestHomeserver hs, TestUser user, byte[] bytes, String type, String name)
      throws Exception {
    HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(java.net.URI.create(
        hs.baseUrl() + "/_matrix/media/v3/upload?filename=" + name))
        .header("Authorization", "Bearer " + user.accessToken()).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    return new ObjectMapper().readTree(answer.body()).path("content_uri").asText();
  }

  /** Alice asks the bot for a DM with {@code number} and joins the room the ghost invites her to. */
  private static String dmVia(TestHomeserver hs, TestUser alice, String number) {
    String reply = AdminRoom.open(hs, alice, WAIT).ask("!sip call " + number);
    Matcher m = Pattern.compile("is (![^ :]+:[^ :]+):").matcher(reply);
    assertThat(m.find()).as(reply).isTrue();
    String room = m.group(1);
    alice.join(room);
    return room;
  }

  /** The one message the bridge posted (a phone's text), which {@code ghost} sent. */
  private static JsonNode onlyTextPostedBy(TestHomeserver hs, String ghost) {
    List<RecordedRequest> sends = hs.requests("PUT", ".*/send/m\\.room\\.message/.*");
    assertThat(sends).hasSize(1);
    assertThat(sends.get(0).userId()).isEqualTo(ghost);
    Matcher m = Pattern.compile("/rooms/([^/]+)/send/").matcher(sends.get(0).decodedPath());
    assertThat(m.find()).isTrue();
    return hs.awaitEvent(m.group(1), ghost, e -> e.path("type").asText().equals("m.room.message"), WAIT);
  }

  @Test
  void aTextFromAPhoneArrivesInTheDmFromTheNumbersGhost() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"))) {
      hs.user("alice");
      ObjectNode config = sipConfig(FreePorts.udp());
      try (SipBridge bridge = SipBridge.start(hs, config, dir);
          SippScenario phone = SippScenario.call(scenario("uac-message.xml"),
              "127.0.0.1:" + config.path("listen").path("port").asInt(), dir, Duration.ofSeconds(30),
              List.of("-s", "+15550100"))) {
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();

        JsonNode text = onlyTextPostedBy(hs, "@_sip_+15550123:test.local");
        assertThat(text.path("content").path("msgtype").asText()).isEqualTo("m.text");
        assertThat(text.path("content").path("body").asText()).isEqualTo("Hello from the phone, café");
        // The ghost opened the DM and invited Alice.
        assertThat(hs.members(text.path("room_id").asText())).containsEntry(ALICE, "invite");
        await().atMost(WAIT).untilAsserted(() -> assertThat(bridge.counter("switchboard.sip.messages",
            "direction", "to_matrix")).isEqualTo(1));
      }
    }
  }

  @Test
  void aTextFromASoftphoneOnAnotherPortComesFromTheGhostThatKeepsThePort() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"))) {
      hs.user("alice");
      ObjectNode config = sipConfig(FreePorts.udp());
      try (SipBridge bridge = SipBridge.start(hs, config, dir);
          SippScenario softphone = SippScenario.call(scenario("uac-message-from-softphone.xml"),
              "127.0.0.1:" + config.path("listen").path("port").asInt(), dir, Duration.ofSeconds(30),
              List.of("-s", "+15550100"))) {
        assertThat(softphone.awaitExit(WAIT)).as(softphone::diagnostics).isZero();

        // sip:softphone@127.0.0.1:<its port>: the port stays in the ghost, so a reply can reach it.
        JsonNode text = onlyTextPostedBy(hs, "@_sip_softphone=40127.0.0.1=3a" + softphone.port() + ":test.local");
        assertThat(text.path("content").path("body").asText()).isEqualTo("Hello from a softphone");
      }
    }
  }

  @Test
  void aMatrixTextGoesToThePhoneAsAMessageAndAnswersTheDigestChallenge() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-message-auth.xml"), dir, Duration.ofSeconds(60));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String room = dmVia(hs, alice, "+1 555 0001");

      String sent = alice.send(room, "Hi phone\r\nVia: SIP/2.0/UDP evil.example");

      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
      String seen = phone.messages();
      assertThat(seen).contains("MESSAGE sip:+15550001@127.0.0.1:" + phone.port(),
          "Content-Type: text/plain;charset=UTF-8", "Authorization: Digest ", "username=\"bridge\"",
          "Hi phone\r\nVia: SIP/2.0/UDP evil.example");
      // The text's lines stay in the body: no message's headers (all before the first blank line) came from it.
      for (String message : seen.split("-{20,}")) {
        String normalised = message.replace("\r\n", "\n");
        int blank = normalised.indexOf("\n\n", normalised.indexOf(" SIP/2.0"));
        assertThat(blank < 0 ? normalised : normalised.substring(0, blank)).doesNotContain("evil");
      }
      // Delivered: the ghost has read it.
      await().atMost(WAIT).until(() -> hs.requests("POST", ".*/receipt/m\\.read/.*").stream()
          .anyMatch(r -> r.decodedPath().contains(sent)));
      assertThat(bridge.counter("switchboard.sip.messages", "direction", "to_remote")).isEqualTo(1);
    }
  }

  @Test
  void aMatrixFileGoesToThePhoneAsItsNameAndALinkThatOpens() throws Exception {
    byte[] pdf = "%PDF-1.4 the quarterly report".getBytes(StandardCharsets.UTF_8);
    // Media for authenticated clients only, as Synapse serves it since 1.120: the phone's link is the bridge's.
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local")
            .media(Options.Media.defaults().authenticatedOnly(true)));
        SippScenario phone = SippScenario.serve(scenario("uas-message-auth.xml"), dir, Duration.ofSeconds(60));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String room = dmVia(hs, alice, "+1 555 0006");
      ObjectNode file = JSON.objectNode().put("msgtype", "m.file").put("body", "for Monday").put("filename",
          "report.pdf").put("url", upload(hs, alice, pdf, "application/pdf", "report.pdf"));

      String sent = alice.sendEvent(room, "m.room.message", file);

      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
      Matcher text = Pattern.compile("report\\.pdf (" + Pattern.quote(bridge.mediaUrl())
          + "/media/\\S+/report\\.pdf)\r?\nfor Monday").matcher(phone.messages());
      assertThat(text.find()).as(phone.messages()).isTrue();
      HttpResponse<byte[]> download = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(java.net.URI.create(text.group(1))).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(download.statusCode()).isEqualTo(200);
      assertThat(download.body()).isEqualTo(pdf);
      await().atMost(WAIT).until(() -> hs.requests("POST", ".*/receipt/m\\.read/.*").stream()
          .anyMatch(r -> r.decodedPath().contains(sent)));
    }
  }

  @Test
  void aTextThePhoneRefusesIsMarkedNotDelivered() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-message-refused.xml"), dir, Duration.ofSeconds(60));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String room = dmVia(hs, alice, "+1 555 0002");

      String sent = alice.send(room, "anyone there?");

      JsonNode notice = hs.awaitEvent(room, "@_sip_+15550002:test.local",
          e -> "m.notice".equals(e.path("content").path("msgtype").asText()), WAIT);
      assertThat(notice.path("content").path("body").asText()).isEqualTo("Not delivered: 404 Not Found.");
      assertThat(notice.path("content").path("m.relates_to").path("m.in_reply_to").path("event_id").asText())
          .isEqualTo(sent);
      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
      assertThat(bridge.counter("switchboard.sip.messages", "direction", "to_remote")).as("not delivered").isZero();
      // A refusal is final: the event is done, not held for a retry that would get the same answer.
      await().atMost(WAIT).until(() -> bridge.isDone(sent));
      assertThat(phone.messages().split("MESSAGE sip:", -1)).hasSize(2);
    }
  }

  @Test
  void aMatrixTextIsDoneOnlyWhenThePhoneHasAnswered() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-message-slow.xml"), dir, Duration.ofSeconds(60));
        SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port()), dir)) {
      TestUser alice = hs.user("alice");
      String room = dmVia(hs, alice, "+1 555 0003");

      String sent = alice.send(room, "are you there?");

      // The phone has the MESSAGE and waits 5 s before its 200: the event is not done meanwhile.
      await().atMost(WAIT).until(() -> phone.messages().contains("MESSAGE sip:+15550003@"));
      assertThat(bridge.isDone(sent)).as("done before the phone answered").isFalse();
      await().atMost(WAIT).until(() -> bridge.isDone(sent));
      assertThat(phone.messages()).contains("SIP/2.0 200 OK");
      assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
    }
  }

  @Test
  void aTextWhileTheTrunkIsDownIsHeldAndSentOnceItIsBack() throws Exception {
    int trunkPort = FreePorts.udpAndTcp();
    ObjectNode config = sipConfig(trunkPort);
    ((ObjectNode) config.path("trunk")).put("transport", "tcp"); // nobody listens: the connection is refused
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SipBridge bridge = SipBridge.start(hs, config, dir)) {
      TestUser alice = hs.user("alice");
      String room = dmVia(hs, alice, "+1 555 0004");

      String sent = alice.send(room, "are you back?");

      // Held, not dropped and not refused: the event stays undone while the trunk is away.
      await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> !bridge.isDone(sent));
      try (SippScenario trunk = SippScenario.serveOn(trunkPort, scenario("uas-trunk-text-or-busy.xml"), dir,
          Duration.ofSeconds(60), 1, List.of("-t", "t1"))) {
        await().atMost(WAIT).until(() -> bridge.isDone(sent));
        assertThat(trunk.awaitExit(WAIT)).as(trunk::diagnostics).isZero();
        assertThat(trunk.messages().split("MESSAGE sip:\\+15550004@", -1)).hasSize(2);
      }
      assertThat(hs.requests("POST", ".*/receipt/m\\.read/.*")).anyMatch(r -> r.decodedPath().contains(sent));
      assertThat(hs.timeline(room)).noneMatch(e -> e.path("content").path("body").asText().startsWith("Not delivered"));
    }
  }

  @Test
  void textsOverTheUsersRateLimitAreRefusedWithANoticeAndNeverSent() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("test.local"));
        SippScenario trunk = SippScenario.serve(scenario("uas-trunk-text-or-busy.xml"), dir, Duration.ofSeconds(60))) {
      ObjectNode config = sipConfig(trunk.port());
      config.putObject("rate_limits").put("texts_per_user_per_minute", 1);
      try (SipBridge bridge = SipBridge.start(hs, config, dir)) {
        TestUser alice = hs.user("alice");
        String room = dmVia(hs, alice, "+1 555 0005");

        String first = alice.send(room, "one");
        String second = alice.send(room, "two");

        JsonNode notice = hs.awaitEvent(room, "@_sip_+15550005:test.local",
            e -> "m.notice".equals(e.path("content").path("msgtype").asText()), WAIT);
        assertThat(notice.path("content").path("body").asText()).isEqualTo("You have reached this bridge's limit on "
            + "texts to phones (1 a minute per user): try again in a minute.");
        assertThat(notice.path("content").path("m.relates_to").path("m.in_reply_to").path("event_id").asText())
            .isEqualTo(second);
        await().atMost(WAIT).until(() -> bridge.isDone(first) && bridge.isDone(second));
        assertThat(trunk.awaitExit(WAIT)).as(trunk::diagnostics).isZero();
        assertThat(trunk.messages().split("MESSAGE sip:", -1)).hasSize(2); // the first only
        assertThat(trunk.messages()).contains("one").doesNotContain("two");
      }
    }
  }
}
