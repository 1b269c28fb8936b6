package dev.switchboard.sip.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.sip.RtpEngineServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The ng client against a real userspace rtpengine. */
class NgClientTest {
  @TempDir
  static Path dir;

  @RegisterExtension
  static final Fixture<RtpEngineServer> rtpengine = Fixture.of(() -> RtpEngineServer.start(dir));
  static ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  static NgClient ng;

  @BeforeAll
  static void start() throws Exception {
    ng = new NgClient(new NgClient.Settings(rtpengine.get().ngAddress(), Duration.ofMillis(500), 3), scheduler,
        new SplittableRandom(1));
  }

  @AfterAll
  static void stop() {
    if (ng != null) {
      ng.close();
    }
    scheduler.shutdownNow();
  }

  private static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
    return f.get(5, TimeUnit.SECONDS);
  }

  @Test
  void pingIsAnsweredWithPong() throws Exception {
    get(ng.ping());
  }

  @Test
  void aBrowserOfferBecomesAPlainRtpOfferForThePhoneAndThePhoneAnswerBecomesWebRtc() throws Exception {
    String towardPhone = get(ng.offer("call-1", "matrix-1", Sdps.browserOffer(), MediaFlags.towardSip()));

    assertThat(towardPhone).contains("m=audio ").contains(" RTP/AVP ")
        .contains("a=rtpmap:0 PCMU/8000").contains("a=rtpmap:8 PCMA/8000")
        .doesNotContain("a=ice-ufrag", "a=candidate", "a=fingerprint", "a=setup", "a=crypto", "a=rtcp-mux",
            "UDP/TLS/RTP/SAVPF", "a=extmap:", "red/48000")
        .contains("c=IN IP4 127.0.0.1");

    String towardBrowser = get(ng.answer("call-1", "matrix-1", "phone-1", Sdps.phoneAnswer(),
        MediaFlags.towardMatrix()));

    assertThat(towardBrowser).contains("m=audio ").contains(" UDP/TLS/RTP/SAVPF ")
        .contains("a=fingerprint:sha-256 ", "a=setup:passive", "a=ice-ufrag:", "a=ice-pwd:", "a=candidate:",
            "a=rtcp-mux", "a=mid:0")
        .doesNotContain("a=crypto");

    Bencoded.Dict call = get(ng.query("call-1"));
    assertThat(call.get("tags").map(Object::toString).orElse("")).contains("matrix-1", "phone-1");
    get(ng.delete("call-1", "matrix-1"));
    assertThatThrownBy(() -> get(ng.query("call-1"))).hasRootCauseInstanceOf(NgException.class);
  }

  @Test
  void deletingAnUnknownCallIsHarmless() throws Exception {
    get(ng.delete("never-was", "tag"));
  }

  @Test
  void anErrorReplyFailsWithRtpenginesReason() {
    assertThatThrownBy(() -> get(ng.answer("unknown-call", "a", "b", Sdps.phoneAnswer(), MediaFlags.towardMatrix())))
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseInstanceOf(NgException.class)
        .rootCause().hasMessageContaining("Unknown call-id");
  }

  @Test
  void aLostRequestIsRetriedWithTheSameCookieAndTimesOutAfterTheLastAttempt() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        NgClient client = new NgClient(new NgClient.Settings(
            (InetSocketAddress) silent.getLocalSocketAddress(), Duration.ofMillis(100), 3), scheduler,
            new SplittableRandom(2))) {
      silent.setSoTimeout(2000);
      var reply = client.ping();
      List<String> cookies = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        byte[] buf = new byte[1024];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        silent.receive(p);
        String text = new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII);
        cookies.add(text.substring(0, text.indexOf(' ')));
        assertThat(text).endsWith(" d7:command4:pinge");
      }
      assertThat(cookies).containsOnly(cookies.get(0));
      assertThatThrownBy(() -> reply.get(2, TimeUnit.SECONDS)).hasRootCauseInstanceOf(NgException.class)
          .rootCause().hasMessageContaining("after 3 attempt(s)");
    }
  }

  @Test
  void aReplyThatArrivesAfterARetryCompletesTheRequestOnce() throws Exception {
    try (DatagramSocket slow = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        NgClient client = new NgClient(new NgClient.Settings(
            (InetSocketAddress) slow.getLocalSocketAddress(), Duration.ofMillis(100), 5), scheduler,
            new SplittableRandom(3))) {
      var reply = client.ping();
      byte[] buf = new byte[1024];
      DatagramPacket first = new DatagramPacket(buf, buf.length);
      slow.receive(first);
      DatagramPacket second = new DatagramPacket(new byte[1024], 1024);
      slow.receive(second); // the retry: the first "got lost"
      String cookie = new String(buf, 0, first.getLength(), StandardCharsets.US_ASCII).split(" ")[0];
      byte[] pong = (cookie + " d6:result4:ponge").getBytes(StandardCharsets.US_ASCII);
      slow.send(new DatagramPacket(pong, pong.length, first.getSocketAddress()));
      slow.send(new DatagramPacket(pong, pong.length, first.getSocketAddress()));
      reply.get(2, TimeUnit.SECONDS);
    }
  }
}
