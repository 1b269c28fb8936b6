package dev.switchboard.irc.network;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import dev.switchboard.testkit.LogCapture;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.AnopeServices;
import dev.switchboard.testkit.irc.IrcTestUser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL EXTERNAL with CertFP against a real server: InspIRCd 3 with TLS ({@code ssl_gnutls}, client certificates
 * requested) and Anope; the account's certificate list holds the bot's certificate (added with {@code NickServ CERT
 * ADD} over a TLS connection presenting it). The bot connects with TLS (the server's certificate pinned), presents
 * its certificate and logs in without a password; a certificate services do not know gives a clear failure.
 */
class IrcSaslExternalFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<AnopeServices> ircd = Fixture.of(() -> AnopeServices.start(true));
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  /** The certificate the bot presents ({@code bot} or {@code stranger}), chosen by each test before it starts. */
  private String certificate;
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(this::startBridge).onFirstUse();

  @BeforeEach
  void certificates() throws Exception {
    TlsFront.selfSigned(dir, "bot");
    TlsFront.selfSigned(dir, "stranger");
  }

  private IrcBridgeHarness startBridge() throws Exception {
    String pin = TlsFront.fingerprintOf(ircd.get().serverCertificate());
    return new IrcBridgeHarness(hs.get(), dir, ircd.get().host(), ircd.get().tlsPort(), network -> {
      network.put("tls", true).put("tls_fingerprint_sha256", pin)
          .put("client_cert", dir.resolve(certificate + ".pem").toString())
          .put("client_key", dir.resolve(certificate + ".key").toString());
      network.putObject("sasl").put("mechanism", "external");
    });
  }

  private void bridgeWithCertificate(String name) {
    certificate = name;
    bridge.get();
  }

  private static String accountOf(IrcTestUser asker, String nick) throws Exception {
    int before = asker.lines().size();
    asker.send("WHOIS " + nick);
    asker.awaitLine(l -> IrcTestUser.command(l).equals("318") && l.contains(" " + nick + " "), WAIT);
    List<String> lines = asker.lines();
    return lines.subList(before, lines.size()).stream()
        .filter(l -> IrcTestUser.command(l).equals("330") && l.contains(" " + nick + " "))
        .map(l -> IrcTestUser.untagged(l).split(" ")[4]).findFirst().orElse("");
  }

  @Test
  void theBotLogsInWithItsCertificate() throws Exception {
    ircd.get().registerWithCertificate("certbot", "unused-password-1", dir.resolve("bot.pem"), dir.resolve("bot.key"));
    try (LogCapture saslLog = new LogCapture(SaslLogin.class);
        IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice")) {
      alice.join("#room");
      bridgeWithCertificate("bot");
      TestUser bob = hs.get().user("bob");
      String room = bob.join("#_irc_test_#room:test.local");
      alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);

      assertThat(accountOf(alice, "switchboard")).isEqualTo("certbot");
      assertThat(saslLog.lines(Level.INFO)).anyMatch(l -> l.contains("SASL EXTERNAL login succeeded, logged in as "
          + "certbot"));
      alice.say("#room", "hello over tls");
      hs.get().awaitEvent(room, "@_irc_test_alice:test.local",
          e -> e.path("content").path("body").asText().equals("hello over tls"), WAIT);
    }
  }

  @Test
  void anUnknownCertificateIsRefusedClearlyAndTheBotStaysConnected() throws Exception {
    ircd.get().registerWithCertificate("certbot", "unused-password-1", dir.resolve("bot.pem"), dir.resolve("bot.key"));
    try (LogCapture saslLog = new LogCapture(SaslLogin.class);
        IrcTestUser alice = IrcTestUser.connect(ircd.get(), "alice")) {
      alice.join("#room");
      bridgeWithCertificate("stranger");
      hs.get().user("bob").join("#_irc_test_#room:test.local");
      alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
      await().atMost(WAIT).until(() -> !saslLog.lines(Level.WARN).isEmpty());
      assertThat(saslLog.lines(Level.WARN)).singleElement().asString()
          .contains("SASL EXTERNAL login failed: the server does not accept our client certificate (904)");
      assertThat(accountOf(alice, "switchboard")).isEmpty();
    }
  }
}
