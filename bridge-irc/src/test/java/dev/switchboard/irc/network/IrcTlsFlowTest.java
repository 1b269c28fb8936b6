package dev.switchboard.irc.network;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
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
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to the IRC server: certificates are checked, a pinned self-signed certificate is accepted, and the bot
 * presents its client certificate (CertFP). ngircd runs in plain text behind a TLS front ({@link TlsFront}).
 */
class IrcTlsFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  final Fixture<TlsFront> front = Fixture.of(() -> TlsFront.start(Files.createDirectories(dir.resolve("tls")),
      ircd.get().host(), ircd.get().port()));
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  /** The {@code test} network's TLS settings, chosen by each test before {@link #bridge} starts the bridge. */
  private Consumer<ObjectNode> network;
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir, "127.0.0.1",
      front.get().port(), n -> {
        n.put("tls", true);
        network.accept(n);
      })).onFirstUse();
  private IrcTestUser alice;

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice");
    alice.join("#room");
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  private void bridge(Consumer<ObjectNode> network) throws Exception {
    this.network = network;
    bridge.get();
  }

  private void portalOpens() {
    TestUser bob = hs.get().user("bob");
    bob.join("#_irc_test_#room:test.local");
    alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
    alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);
  }

  @Test
  void aPinnedSelfSignedCertificateIsAcceptedAndTheClientCertificateIsPresented() throws Exception {
    TlsFront.selfSigned(dir, "client");
    bridge(n -> n.put("tls_fingerprint_sha256", front.get().fingerprint)
        .put("client_cert", dir.resolve("client.pem").toString())
        .put("client_key", dir.resolve("client.key").toString()));

    portalOpens();

    // The bot shows its certificate; puppets (bob) do not have one.
    assertThat(front.get().clientFingerprints).contains(TlsFront.fingerprintOf(dir.resolve("client.pem")));
  }

  @Test
  void aSelfSignedCertificateWithoutAPinIsRefused() throws Exception {
    bridge(n -> { });

    await().atMost(WAIT).until(() -> !front.get().failedHandshakes.isEmpty());
    assertThat(alice.lines()).noneMatch(l -> l.startsWith(":switchboard!"));
  }

  @Test
  void aCertificateThatDoesNotMatchThePinIsRefused() throws Exception {
    bridge(n -> n.put("tls_fingerprint_sha256", "00".repeat(32)));

    await().atMost(WAIT).until(() -> !front.get().failedHandshakes.isEmpty());
    assertThat(alice.lines()).noneMatch(l -> l.startsWith(":switchboard!"));
  }
}
