package dev.switchboard.irc.network;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to the IRC server: certificates are checked, a pinned self-signed certificate is accepted, and the bot
 * presents its client certificate (CertFP). ngircd runs in plain text behind a TLS front ({@link TlsFront}).
 */
class IrcTlsFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;
  private NgircdServer ircd;
  private TlsFront front;
  private TestHomeserver hs;
  private IrcBridgeHarness bridge;
  private IrcTestUser alice;

  @BeforeEach
  void start() throws Exception {
    ircd = NgircdServer.start();
    front = TlsFront.start(Files.createDirectories(dir.resolve("tls")), ircd.host(), ircd.port());
    hs = IrcBridgeHarness.startHomeserver();
    alice = IrcTestUser.connect(ircd, "alice");
    alice.join("#room");
  }

  @AfterEach
  void stop() throws Exception {
    alice.close();
    if (bridge != null) {
      bridge.close();
    }
    hs.close();
    front.close();
    ircd.close();
  }

  private void bridge(Consumer<ObjectNode> network) throws Exception {
    bridge = new IrcBridgeHarness(hs, dir, "127.0.0.1", front.port(), n -> {
      n.put("tls", true);
      network.accept(n);
    });
  }

  private void portalOpens() {
    TestUser bob = hs.user("bob");
    bob.join("#_irc_test_#room:test.local");
    alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
    alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);
  }

  @Test
  void aPinnedSelfSignedCertificateIsAcceptedAndTheClientCertificateIsPresented() throws Exception {
    TlsFront.selfSigned(dir, "client");
    bridge(n -> n.put("tls_fingerprint_sha256", front.fingerprint)
        .put("client_cert", dir.resolve("client.pem").toString())
        .put("client_key", dir.resolve("client.key").toString()));

    portalOpens();

    // The bot shows its certificate; puppets (bob) do not have one.
    assertThat(front.clientFingerprints).contains(TlsFront.fingerprintOf(dir.resolve("client.pem")));
  }

  @Test
  void aSelfSignedCertificateWithoutAPinIsRefused() throws Exception {
    bridge(n -> { });

    await().atMost(WAIT).until(() -> !front.failedHandshakes.isEmpty());
    assertThat(alice.lines()).noneMatch(l -> l.startsWith(":switchboard!"));
  }

  @Test
  void aCertificateThatDoesNotMatchThePinIsRefused() throws Exception {
    bridge(n -> n.put("tls_fingerprint_sha256", "00".repeat(32)));

    await().atMost(WAIT).until(() -> !front.failedHandshakes.isEmpty());
    assertThat(alice.lines()).noneMatch(l -> l.startsWith(":switchboard!"));
  }
}
