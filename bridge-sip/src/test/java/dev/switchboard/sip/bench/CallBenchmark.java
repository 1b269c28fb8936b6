package dev.switchboard.sip.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.sip.SipBridge;
import dev.switchboard.sip.media.SdpCandidates;
import dev.switchboard.sip.media.Sdps;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.RecordedRequest;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.net.FreePorts;
import dev.switchboard.testkit.sip.RtpEngineServer;
import dev.switchboard.testkit.sip.SippScenario;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Call setup latency added by the bridge, each way, and how many calls it holds at once, with real SIPp and
 * rtpengine and the testkit homeserver, all on this machine. Not a timed test: it prints numbers and asserts only
 * that every call went through. Run (see docs/benchmarks.md):
 * {@code ./mvnw -B -q -pl bridge-sip -am verify -Dswitchboard.bench=true -Dtest=CallBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "switchboard.bench", matches = "true")
class CallBenchmark {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final int SETUP_CALLS = Integer.getInteger("switchboard.bench.setupCalls", 100);
  private static final int CONCURRENT_CALLS = Integer.getInteger("switchboard.bench.concurrentCalls", 200);
  private static final Duration WAIT = Duration.ofMinutes(10);
  private static final String ALICE = "@alice:bench.local";
  /** SIPp's trace: a line of dashes, then the local time of the message. */
  private static final Pattern SIPP_STAMP = Pattern.compile(
      "-{20,} (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6})\\s*\\n(UDP message (?:sent|received)[^\\n]*)\\n\\s*\\n"
          + "(\\S+) ");
  private static final DateTimeFormatter SIPP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

  private static Path scenario(String name) throws URISyntaxException {
    return Path.of(CallBenchmark.class.getResource("/sipp/" + name).toURI());
  }

  private static ObjectNode sipConfig(int trunkPort, RtpEngineServer rtpengine) {
    ObjectNode sip = JSON.objectNode().put("enabled", true).put("default_country_code", "1"); // the dial plan's home
    sip.putObject("listen").put("address", "127.0.0.1").put("port", FreePorts.udpAndTcp());
    sip.putObject("trunk").put("host", "127.0.0.1").put("port", trunkPort);
    sip.putObject("rtpengine").put("ng_address", "127.0.0.1:" + rtpengine.ngAddress().getPort());
    sip.putObject("call").put("max_concurrent_per_user", 10_000).put("ring_timeout_seconds", 600);
    // One Matrix user places every call here: the per-user and bridge-wide call rates (5 and 30 a minute by
    // default) would refuse all but the first few.
    sip.putObject("rate_limits").put("calls_per_user_per_minute", 0).put("calls_per_minute", 0);
    sip.putObject("inbound").put("lifetime_ms", 600_000).putObject("numbers").put("+1 555 0100", ALICE);
    return sip;
  }

  /** When SIPp sent or received each message whose first word is {@code method} ({@code sent} or not). */
  private static List<Instant> sippTimes(String trace, String method, boolean sent) {
    List<Instant> out = new ArrayList<>();
    Matcher m = SIPP_STAMP.matcher(trace);
    while (m.find()) {
      if (m.group(3).equals(method) && m.group(2).contains("sent") == sent) {
        out.add(LocalDateTime.parse(m.group(1), SIPP_TIME).atZone(ZoneId.systemDefault()).toInstant());
      }
    }
    return out;
  }

  /** When the homeserver had answered each PUT from the bridge matching {@code pathRegex}. */
  private static List<Instant> homeserverTimes(TestHomeserver hs, String pathRegex) {
    return hs.requests("PUT", pathRegex).stream().filter(r -> r.appServiceId() != null)
        .map(RecordedRequest::at).sorted(Comparator.naturalOrder()).toList();
  }

  private static void report(String what, List<Instant> from, List<Instant> to, int skipFirst) {
    assertThat(to).as(what).hasSameSizeAs(from);
    List<Long> micros = new ArrayList<>();
    for (int i = skipFirst; i < from.size(); i++) {
      micros.add(Duration.between(from.get(i), to.get(i)).toNanos() / 1000);
    }
    micros.sort(Comparator.naturalOrder());
    System.out.printf("%s: %d calls, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", what, micros.size(),
        pct(micros, 50), pct(micros, 90), pct(micros, 99), micros.get(micros.size() - 1) / 1000.0);
  }

  private static double pct(List<Long> sorted, int p) {
    int i = Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1);
    return sorted.get(Math.max(0, i)) / 1000.0;
  }

  private static ObjectNode invite(String callId) {
    ObjectNode c = JSON.objectNode().put("call_id", callId).put("party_id", "alice-device").put("version", "1")
        .put("lifetime", 600_000);
    // Candidates complete (as a client that gathered before sending): no wait for trickled ones.
    c.putObject("offer").put("type", "offer").put("sdp", SdpCandidates.withCandidates(Sdps.browserOffer(),
        List.of()));
    return c;
  }

  private static String dmWithGhost(TestHomeserver hs, TestUser alice, String ghost) {
    String room = alice.createRoom();
    alice.invite(room, ghost);
    await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(ghost)));
    return room;
  }

  /** INVITE from a phone arriving → m.call.invite at the homeserver; one call at a time, each cancelled. */
  @Test
  void phoneToMatrixSetupLatency() throws Exception {
    Path dir = Files.createTempDirectory("sip-bench");
    try (RtpEngineServer rtpengine = RtpEngineServer.start(dir, 512);
        TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("bench.local"))) {
      hs.user("alice");
      ObjectNode config = sipConfig(FreePorts.udp(), rtpengine);
      try (SipBridge bridge = SipBridge.start(hs, config, dir);
          SippScenario phone = SippScenario.call(scenario("uac-call-cancelled.xml"),
              "127.0.0.1:" + config.path("listen").path("port").asInt(), dir, WAIT, SETUP_CALLS + 1,
              List.of("-s", "+15550100", "-l", "1", "-r", "20"))) {
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        List<Instant> sent = sippTimes(phone.messages(), "INVITE", true);
        List<Instant> invites = homeserverTimes(hs, ".*/send/m\\.call\\.invite/.*");
        System.out.printf("first call from a new number (opens the DM): %.1f ms%n",
            Duration.between(sent.get(0), invites.get(0)).toNanos() / 1e6);
        report("phone INVITE sent -> m.call.invite at the homeserver", sent, invites, 1);
      }
    }
  }

  /** m.call.invite sent by the user → INVITE arriving at the phone; one call at a time, each refused busy. */
  @Test
  void matrixToPhoneSetupLatency() throws Exception {
    Path dir = Files.createTempDirectory("sip-bench");
    try (RtpEngineServer rtpengine = RtpEngineServer.start(dir, 512);
        TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("bench.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-busy.xml"), dir, WAIT, SETUP_CALLS, List.of())) {
      try (SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port(), rtpengine), dir)) {
        TestUser alice = hs.user("alice");
        String ghost = "@_sip_+15550001:bench.local";
        String room = dmWithGhost(hs, alice, ghost);
        List<Instant> invites = new ArrayList<>();
        for (int i = 0; i < SETUP_CALLS; i++) {
          String callId = "bench-" + i;
          ObjectNode invite = invite(callId);
          // The test user's events go into the homeserver in-process; from there they are pushed to the bridge.
          invites.add(Instant.now());
          alice.sendEvent(room, "m.call.invite", invite);
          hs.awaitEvent(room, ghost, e -> e.path("type").asText().equals("m.call.hangup")
              && e.path("content").path("call_id").asText().equals(callId), WAIT);
        }
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
        List<Instant> received = sippTimes(phone.messages(), "INVITE", false);
        report("m.call.invite sent by the Matrix user -> INVITE at the phone", invites, received, 0);
      }
    }
  }

  /** Many Matrix calls up at once, each answered by SIPp through rtpengine, then all hung up. */
  @Test
  void concurrentCallsHeld() throws Exception {
    Path dir = Files.createTempDirectory("sip-bench");
    try (RtpEngineServer rtpengine = RtpEngineServer.start(dir, 8 * CONCURRENT_CALLS + 64);
        TestHomeserver hs = TestHomeserver.start(Options.defaults().serverName("bench.local"));
        SippScenario phone = SippScenario.serve(scenario("uas-answer.xml"), dir, WAIT, CONCURRENT_CALLS,
            List.of())) {
      try (SipBridge bridge = SipBridge.start(hs, sipConfig(phone.port(), rtpengine), dir)) {
        TestUser alice = hs.user("alice");
        String ghost = "@_sip_+15550001:bench.local";
        String room = dmWithGhost(hs, alice, ghost);
        long start = System.nanoTime();
        for (int i = 0; i < CONCURRENT_CALLS; i++) {
          alice.sendEvent(room, "m.call.invite", invite("held-" + i));
        }
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> hs.timeline(room).stream()
            .filter(e -> ghost.equals(e.path("sender").asText()) && e.path("type").asText().equals("m.call.answer"))
            .count() >= CONCURRENT_CALLS);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.gc();
        long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        System.out.printf("%d calls up at once after %.1f s (%.1f calls/s set up); heap in use with all of them"
            + " up: %d MiB (bridge, homeserver and test together)%n", CONCURRENT_CALLS, seconds,
            CONCURRENT_CALLS / seconds, heap >> 20);
        long hold = System.nanoTime();
        Thread.sleep(10_000);
        long stillUp = hs.timeline(room).stream().filter(e -> ghost.equals(e.path("sender").asText())
            && e.path("type").asText().equals("m.call.hangup")).count();
        System.out.printf("held for %.0f s: %d hung up by the far end meanwhile%n",
            (System.nanoTime() - hold) / 1e9, stillUp);
        assertThat(stillUp).isZero();

        for (int i = 0; i < CONCURRENT_CALLS; i++) {
          alice.sendEvent(room, "m.call.hangup", JSON.objectNode().put("call_id", "held-" + i)
              .put("party_id", "alice-device").put("version", "1").put("reason", "user_hangup"));
        }
        assertThat(phone.awaitExit(WAIT)).as(phone::diagnostics).isZero();
      }
    }
  }
}
