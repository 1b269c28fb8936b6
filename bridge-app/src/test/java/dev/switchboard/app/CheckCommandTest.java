package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.fixture.XmppServerFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.sip.RtpEngineServer;
import dev.switchboard.testkit.sip.SippScenario;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code switchboard check} against the real test servers: the testkit homeserver, ngircd, Prosody, SIPp as a trunk
 * and rtpengine. Passing setups print OK lines and exit 0; each broken setting gives a FAIL line with its fix.
 */
class CheckCommandTest {
  @TempDir
  static Path serverDir;
  @RegisterExtension
  static final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  static final XmppServerFixture<ProsodyServer> prosody = XmppServerFixture.prosody();
  @RegisterExtension
  static final Fixture<RtpEngineServer> rtpengine = Fixture.of(() -> RtpEngineServer.start(serverDir));

  @TempDir
  Path dir;
  @RegisterExtension
  final HomeserverFixture hs = HomeserverFixture.start();
  private SippScenario trunk;
  private int asPort;
  private int mediaPort;

  @BeforeEach
  void start() throws Exception {
    asPort = freePort();
    mediaPort = freePort();
    Path scenario = dir.resolve("uas-options.xml");
    Files.copy(CheckCommandTest.class.getResourceAsStream("/sipp/uas-options.xml"), scenario);
    trunk = SippScenario.serve(scenario, dir, Duration.ofSeconds(120));
  }

  @AfterEach
  void stop() {
    if (trunk != null) {
      trunk.close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A config for every test server; {@code ircPort} and {@code componentSecret} may be broken on purpose. */
  private Path config(int ircPort, String componentSecret) throws Exception {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, """
        homeserver:
          url: %s
          domain: %s
        appservice:
          port: %d
          url: http://127.0.0.1:%d
        database:
          url: jdbc:sqlite:bridge.db
        media:
          port: %d
        irc:
          enabled: true
          networks:
            test:
              host: 127.0.0.1
              port: %d
              tls: false
              nick: switchboard
        xmpp:
          enabled: true
          domain: %s
          secret: "%s"
          server_host: 127.0.0.1
          server_port: %d
        sip:
          enabled: true
          listen:
            port: %d
          trunk:
            host: 127.0.0.1
            port: %d
          rtpengine:
            ng_address: "127.0.0.1:%d"
        """.formatted(hs.get().baseUrl(), hs.get().serverName(), asPort, asPort, mediaPort, ircPort,
        ProsodyServer.COMPONENT, componentSecret, prosody.get().componentPort(), freePort(), trunk.port(),
        rtpengine.get().ngAddress().getPort()));
    return file;
  }

  /** Writes the registration and gives the homeserver the same (or a tampered) copy. */
  private void register(Path config, String hsTokenOverride) {
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(config);
    RegistrationWriter.write(cfg, cfg.appservice().registration());
    AppServiceRegistration r = AppServiceRegistration.fromYaml(cfg.appservice().registration());
    if (hsTokenOverride != null) {
      r = new AppServiceRegistration(r.id(), r.url(), r.asToken(), hsTokenOverride, r.senderLocalpart(), r.users(),
          r.aliases(), r.rooms(), r.receiveEphemeral(), r.protocols());
    }
    hs.get().registerAppService(r);
  }

  private record Run(int exit, String output) {}

  private static Run check(Path config) {
    PrintStream previous = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int exit = Main.execute("check", "--config", config.toString(), "--timeout", "20");
      return new Run(exit, captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(previous);
      System.out.print(captured.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void everyCheckPassesAgainstTheTestServers() throws Exception {
    Path config = config(ircd.get().port(), prosody.get().componentSecret());
    register(config, null);

    Run run = check(config);

    assertThat(run.output()).doesNotContain("[FAIL]")
        .contains("[ OK ] config ", "[ OK ] registration ", "[ OK ] database", "[ OK ] secret key",
            "[ OK ] homeserver ", "[ OK ] as_token", "[ OK ] appservice ping", "right hs_token",
            "[ OK ] IRC network test", "registered as sbcheck",
            "[ OK ] XMPP component " + ProsodyServer.COMPONENT, "component handshake accepted",
            "[ OK ] SIP trunk 127.0.0.1:" + trunk.port(), "answered OPTIONS with 200 OK",
            "[ OK ] rtpengine", "answered pong", "All checks passed.",
            "[ OK ] media endpoint http://127.0.0.1:" + mediaPort + ": a signed link opens at http://127.0.0.1:"
                + mediaPort + ", ranges pass",
            "note: nobody is admin yet (add \"@you:" + hs.get().serverName() + "\": admin under permissions)");
    assertThat(run.exit()).isZero();
    assertThat(run.output()).doesNotContain(prosody.get().componentSecret());
  }

  @Test
  void aHomeserverWithAnOldHsTokenFailsThePingWithTheFix() throws Exception {
    Path config = config(ircd.get().port(), prosody.get().componentSecret());
    register(config, "an-hs-token-from-an-older-registration");

    Run run = check(config);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.output()).contains("[FAIL] appservice ping (hs_token, appservice.url): the homeserver sent an "
        + "hs_token that differs from registration.yaml's", "fix: the homeserver loaded another copy of the "
        + "registration: copy ").contains("1 check(s) failed.");
    // The spec's ping operation documents only 200, but its authorization rules require 403 M_FORBIDDEN for a wrong
    // hs_token, which is what this test provokes; the testkit records that as a violation of the ping operation.
    assertThat(hs.get().schemaViolations()).singleElement().asString().contains("status 403");
    hs.get().clearSchemaViolations();
  }

  @Test
  void anUnreachableIrcdFailsWithTheKeysToCheck() throws Exception {
    Path config = config(freePort(), prosody.get().componentSecret());
    register(config, null);

    Run run = check(config);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.output()).containsPattern("\\[FAIL] IRC network test \\(127\\.0\\.0\\.1:[0-9]+\\): cannot connect")
        .contains("fix: check irc.networks.test.host, .port and .tls, that the server runs")
        .contains("[ OK ] XMPP component");
  }

  @Test
  void aWrongComponentSecretFailsWithWhereToFindTheRightOne() throws Exception {
    Path config = config(ircd.get().port(), "not-the-component-secret");
    register(config, null);

    Run run = check(config);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.output()).contains("[FAIL] XMPP component " + ProsodyServer.COMPONENT
        + " (127.0.0.1:" + prosody.get().componentPort() + "): the server refused the component secret",
        "fix: set xmpp.secret to the component_secret of the Component \"" + ProsodyServer.COMPONENT + "\"")
        .doesNotContain("not-the-component-secret");
  }

  @Test
  void aRegistrationTheHomeserverDoesNotKnowFailsTheAsTokenCheck() throws Exception {
    Path config = config(ircd.get().port(), prosody.get().componentSecret());
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(config);
    RegistrationWriter.write(cfg, cfg.appservice().registration());

    Run run = check(config);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.output()).contains("[FAIL] as_token: the homeserver does not accept the as_token (401 "
        + "M_UNKNOWN_TOKEN)", "app_service_config_files");
  }

  @Test
  void anUnreadableConfigExitsWith2() throws Exception {
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, "homeserver:\n  url: nope\n");

    Run run = check(config);

    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.output()).contains("[FAIL] config ", "homeserver.url must be an http:// or https:// URL");
  }
}
