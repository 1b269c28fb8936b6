package dev.switchboard.app.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.sip.SippScenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: 200 SIP MESSAGE texts each way between a Matrix DM and a SIPp phone, with the bridge (a child JVM running
 * the CLI) SIGKILLed in the middle and started again on the same database.
 */
class SipCrashFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int N = 200;
  private static final String NUMBER = "+1 555 0100";

  @TempDir
  Path dir;

  private static void sip(ObjectNode cfg, int trunkPort, int listenPort, String alice) {
    // The trunk's home country, which the dial plan needs before it lets anyone text a number (+1 555 ...).
    ObjectNode sip = cfg.putObject("sip").put("enabled", true).put("default_country_code", "1");
    sip.putObject("listen").put("address", "127.0.0.1").put("port", listenPort);
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", trunkPort).put("username", "bridge")
        .put("password", "s3cret");
    // No media in texts: the rtpengine address is never asked.
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + FreePorts.udp());
    sip.putObject("inbound").putObject("numbers").put(NUMBER, alice);
    // The one non-default limit: a user may text phones 20 times a minute (a toll-fraud guard that answers the rest
    // with a notice), and the burst is 200 texts from one user.
    sip.putObject("rate_limits").put("texts_per_user_per_minute", 1_000).put("texts_per_minute", 1_000);
  }

  private Path resource(String name) throws Exception {
    return Path.of(SipCrashFaultTest.class.getResource("/sipp/" + name).toURI());
  }

  /** alice asks the bot, in a DM, for a room with {@code number}, and joins the room its ghost invites her to. */
  private static String dmWith(TestHomeserver hs, TestUser alice, String number) {
    String bot = "@switchboard:" + hs.serverName();
    String admin = alice.createRoom();
    alice.invite(admin, bot);
    await().atMost(WAIT).until(() -> "join".equals(hs.members(admin).get(bot)));
    alice.send(admin, "!sip call " + number);
    String reply = hs.awaitEvent(admin, bot, e -> e.path("content").path("body").asText().contains(" is !"), WAIT)
        .path("content").path("body").asText();
    Matcher m = Pattern.compile("is (![^ :]+:[^ :]+):").matcher(reply);
    assertThat(m.find()).as(reply).isTrue();
    alice.join(m.group(1));
    return m.group(1);
  }

  /**
   * The texts the phone took, in arrival order, one per SIP transaction (Call-ID and CSeq): a UDP retransmission of
   * the same request is not a second text, a new request with the same body is.
   */
  static List<String> textsTaken(String trace) {
    Map<String, String> byTransaction = new LinkedHashMap<>();
    for (String block : trace.split("-{20,}")) {
      int start = block.indexOf("MESSAGE sip:");
      if (!block.contains("message received") || start < 0) {
        continue;
      }
      String msg = block.substring(start).replace("\r\n", "\n");
      Matcher callId = Pattern.compile("(?im)^(?:Call-ID|i):\\s*(\\S+)").matcher(msg);
      Matcher cseq = Pattern.compile("(?im)^CSeq:\\s*(.+)$").matcher(msg);
      int blank = msg.indexOf("\n\n");
      if (callId.find() && cseq.find() && blank > 0) {
        byTransaction.putIfAbsent(callId.group(1) + " " + cseq.group(1).trim(), msg.substring(blank + 2).trim());
      }
    }
    return new ArrayList<>(byTransaction.values());
  }

  @Test
  void aBurstFromMatrixReachesThePhoneOnceEachInOrderAcrossASigkill() throws Exception {
    try (TestHomeserver hs = BridgeProcess.homeserver();
        SippScenario phone = SippScenario.serve(resource("uas-message-burst.xml"), dir, Duration.ofSeconds(180),
            N * 2, List.of());
        BridgeProcess bridge = BridgeProcess.configure(dir, hs,
            cfg -> sip(cfg, phone.port(), FreePorts.udpAndTcp(), "@alice:" + hs.serverName())).start()) {
      TestUser alice = hs.user("alice");
      String room = dmWith(hs, alice, "+1 555 0001");

      PacedSender sender = PacedSender.start(Burst.numbered(N), Burst.MATRIX_PACE,
          m -> alice.send(room, m));
      await().atMost(WAIT).pollInterval(Duration.ofMillis(10))
          .until(() -> Burst.of(N, textsTaken(phone.messages())).received().size() >= N / 2);
      bridge.kill();
      Burst atKill = Burst.of(N, textsTaken(phone.messages()));
      bridge.restart();
      sender.awaitDone(WAIT);

      Settle.until(() -> textsTaken(phone.messages()).contains(Burst.numbered(N).get(N - 1)), WAIT);
      Settle.quiet(() -> textsTaken(phone.messages()).size(), Duration.ofSeconds(1), WAIT);
      Burst burst = Burst.of(N, textsTaken(phone.messages()));
      FaultReport.record("sip", "matrix->sip", "SIGKILL after " + atKill.received().size(), burst);
      String why = burst.summary() + "\nbridge log:\n" + bridge.logTail();
      assertThat(burst.lost()).as(why).isEmpty();
      assertThat(burst.reordered()).as(why).isEmpty();
      assertThat(burst.duplicated().keySet()).as(why).allSatisfy(m -> assertThat(atKill.received()).contains(m));
      assertThat(burst.duplicateCopies()).as(why).isLessThanOrEqualTo(FaultReport.SIP_DUPLICATE_WINDOW);
    }
  }

  /**
   * Phone → Matrix: the phone sends one text at a time (the next after the last one's 200, as phones do), 25 a
   * second at most. The text in flight at the kill is retransmitted by the phone (RFC 3261 timer E) until the
   * restarted bridge answers it once it is in Matrix.
   */
  @Test
  void aBurstFromThePhoneReachesTheRoomOnceEachInOrderAcrossASigkill() throws Exception {
    Path injection = dir.resolve("texts.csv");
    Files.writeString(injection, "SEQUENTIAL\n" + String.join("\n", Burst.numbered(N).stream()
        .map(m -> m + ";").toList()) + "\n");
    int listenPort = FreePorts.udpAndTcp();
    try (TestHomeserver hs = BridgeProcess.homeserver();
        BridgeProcess bridge = BridgeProcess.configure(dir, hs,
            cfg -> sip(cfg, FreePorts.udp(), listenPort, "@alice:" + hs.serverName())).start()) {
      TestUser alice = hs.user("alice"); // the number's Matrix user, whom the ghost invites to the DM
      try (SippScenario phone = SippScenario.call(resource("uac-message-burst.xml"), "127.0.0.1:" + listenPort,
          dir, Duration.ofSeconds(120), N, List.of("-s", "+15550100", "-inf", injection.toString(), "-l", "1",
              "-r", "25"))) {
        String ghost = "@_sip_+15550123:" + hs.serverName();
        await().atMost(WAIT).until(() -> !hs.roomsOf(alice.userId(), "invite").isEmpty());
        String room = hs.roomsOf(alice.userId(), "invite").get(0);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10))
            .until(() -> RoomTexts.from(hs, room, ghost).size() >= N / 2);
        bridge.kill();
        int atKill = RoomTexts.from(hs, room, ghost).size();
        bridge.restart();

        int exit = phone.awaitExit(WAIT.multipliedBy(2));
        Settle.quiet(() -> RoomTexts.from(hs, room, ghost).size(), Duration.ofSeconds(1), WAIT);
        Burst burst = Burst.of(N, RoomTexts.from(hs, room, ghost));
        FaultReport.record("sip", "sip->matrix", "SIGKILL after " + atKill, burst);
        String why = burst.summary() + "; SIPp exit " + exit + "\n" + phone.diagnostics() + "\nbridge log:\n"
            + bridge.logTail();
        assertThat(burst.lost()).as(why).isEmpty();
        assertThat(burst.reordered()).as(why).isEmpty();
        assertThat(burst.duplicated()).as(why).isEmpty();
        assertThat(exit).as("every text got its 200: " + why).isZero();
      }
    }
  }
}
