package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.homeserver.AppServicePing;
import dev.switchboard.registration.Registration;
import dev.switchboard.testkit.LogCapture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.AsTransaction;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import dev.switchboard.testkit.net.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole bridge, as `run` starts it, against the testkit homeserver in modern and legacy mode. */
class BridgeAgainstHomeserverTest {
  @TempDir
  Path dir;

  private BridgeConfig config(TestHomeserver hs, int port, String extraYaml) throws Exception {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, """
        homeserver:
          url: %s
          domain: %s
        appservice:
          port: %d
          url: http://127.0.0.1:%d
          bot_localpart: switchboard
        media:
          port: 0
        database:
          url: jdbc:sqlite:bridge.db
        """.formatted(hs.baseUrl(), hs.serverName(), port, port) + extraYaml);
    return new ConfigLoader(Map.of()).load(file);
  }

  private Bridge startBridge(TestHomeserver hs) throws Exception {
    return startBridge(hs, "");
  }

  private Bridge startBridge(TestHomeserver hs, String extraYaml) throws Exception {
    BridgeConfig cfg = config(hs, FreePorts.tcp(), extraYaml);
    Registration reg = RegistrationWriter.write(cfg, cfg.appservice().registration());
    hs.registerAppService(AppServiceRegistration.fromYaml(cfg.appservice().registration()));
    return Bridge.start(cfg, reg, new ConnectorFactory());
  }

  /** The bridge with IRC on network {@code test}, bridged to {@code ircd}. */
  private Bridge startIrcBridge(TestHomeserver hs, NgircdServer ircd) throws Exception {
    return startBridge(hs, """
        irc:
          enabled: true
          networks:
            test: { host: %s, port: %d, tls: false, nick: switchboard }
        """.formatted(ircd.host(), ircd.port()));
  }

  @Test
  void aHomeserverWithoutThePingEndpointGetsOneInfoLineAndTheBridgeServes() throws Exception {
    try (LogCapture log = new LogCapture(AppServicePing.class);
        TestHomeserver hs = TestHomeserver.start(Options.defaults().legacy(true)
            .backoff(Duration.ofMillis(20), Duration.ofMillis(200)));
        Bridge bridge = startBridge(hs)) {
      TestUser alice = hs.user("alice");
      String room = alice.createRoom();
      alice.invite(room, "@switchboard:" + hs.serverName());
      alice.send(room, "hello bridge");

      await().atMost(Duration.ofSeconds(10)).until(() -> log.lines(Level.INFO).size() == 1
          && hs.asTransactions().stream().anyMatch(AsTransaction::accepted));
      Thread.sleep(1500); // a retry loop would have pinged again by now
      assertThat(hs.requests("POST", ".*/appservice/.*/ping")).hasSize(1);
      assertThat(log.lines(Level.INFO).get(0)).contains("predates");
      assertThat(log.lines(Level.WARN)).isEmpty();
      assertThat(hs.asTransactions()).allMatch(AsTransaction::accepted);
    }
  }

  /**
   * Synapse 1.81 to 1.83 have the modern AS paths but no ping, and answer it 400 M_UNRECOGNIZED: one INFO line, and
   * no retries over the first retry intervals (1 s, then 2 s).
   */
  @Test
  void aHomeserverAnsweringThePing400UnrecognizedGetsOneInfoLineAndNoRetries() throws Exception {
    try (LogCapture log = new LogCapture(AppServicePing.class);
        TestHomeserver hs = TestHomeserver.start(Options.defaults().withoutPingEndpoint());
        Bridge bridge = startBridge(hs)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !log.lines(Level.INFO).isEmpty());
      assertThat(hs.requests("POST", ".*/appservice/.*/ping")).singleElement()
          .satisfies(ping -> assertThat(ping.status()).isEqualTo(400));

      Thread.sleep(3500); // a retry loop would have pinged twice more by now
      assertThat(hs.requests("POST", ".*/appservice/.*/ping")).hasSize(1);
      assertThat(log.lines(Level.INFO)).singleElement().asString().contains("predates");
      assertThat(log.lines(Level.WARN)).isEmpty();
      assertThat(bridge.metrics().get("switchboard.homeserver.ping").tag("state", "UNSUPPORTED").gauge().value())
          .isEqualTo(1.0);
    }
  }

  /** Issue 8: the whole IRC portal flow through the real app wiring, against a legacy homeserver. */
  @Test
  void theIrcPortalFlowWorksAgainstALegacyHomeserver() throws Exception {
    try (NgircdServer ircd = NgircdServer.start();
        TestHomeserver hs = TestHomeserver.start(Options.defaults().legacy(true)
            .backoff(Duration.ofMillis(20), Duration.ofMillis(500)));
        Bridge bridge = startIrcBridge(hs, ircd);
        IrcTestUser alice = IrcTestUser.connect(ircd, "alice")) {
      alice.join("#room");
      TestUser bob = hs.user("bob");

      String room = bob.join("#_irc_test_#room:" + hs.serverName());
      alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), Duration.ofSeconds(30));
      alice.say("#room", "hi from irc");
      bob.send(room, "hi from matrix");

      hs.awaitEvent(room, "@_irc_test_alice:" + hs.serverName(),
          e -> e.path("content").path("body").asText().equals("hi from irc"), Duration.ofSeconds(30));
      alice.awaitMessage("bob", "#room", "hi from matrix", Duration.ofSeconds(30));
      assertThat(hs.requests("POST", ".*/appservice/.*/ping")).hasSize(1);
    }
  }

  /**
   * Issue 20: the rooms the bridge creates (an IRC portal by the bot, a direct chat by a ghost) carry no encryption,
   * and in the direct chat, where the bot is not a member, the ghost says what encryption turned on there means.
   */
  @Test
  void createdRoomsAreNotEncryptedAndTheGhostTellsADmThatTurnsEncryptionOn() throws Exception {
    try (NgircdServer ircd = NgircdServer.start();
        TestHomeserver hs = TestHomeserver.start();
        Bridge bridge = startIrcBridge(hs, ircd);
        IrcTestUser alice = IrcTestUser.connect(ircd, "alice")) {
      alice.join("#room");
      TestUser bob = hs.user("bob");
      String portal = bob.join("#_irc_test_#room:" + hs.serverName());
      alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), Duration.ofSeconds(30));
      alice.say("bob", "psst");
      await().atMost(Duration.ofSeconds(30)).until(() -> !hs.roomsOf(bob.userId(), "invite").isEmpty());
      String dm = bob.join(hs.roomsOf(bob.userId(), "invite").get(0));
      String ghost = "@_irc_test_alice:" + hs.serverName();

      assertThat(hs.requests("POST", ".*/createRoom")).hasSize(2).allSatisfy(created -> assertThat(
          created.body().path("initial_state").findValuesAsText("type")).doesNotContain("m.room.encryption"));
      assertThat(hs.roomStateEvent(portal, "m.room.encryption", "")).isNull();
      assertThat(hs.roomStateEvent(dm, "m.room.encryption", "")).isNull();
      assertThat(hs.members(dm)).containsOnlyKeys(bob.userId(), ghost);

      bob.sendState(dm, "m.room.encryption", "",
          JsonNodeFactory.instance.objectNode().put("algorithm", "m.megolm.v1.aes-sha2"));
      hs.awaitEvent(dm, ghost, e -> e.path("content").path("body").asText()
          .startsWith("Encryption was turned on in this room, and this bridge cannot read encrypted messages"),
          Duration.ofSeconds(30));
    }
  }

  @Test
  void aModernHomeserverPingsTheBridgeThroughTheRealAsApi() throws Exception {
    try (LogCapture log = new LogCapture(AppServicePing.class);
        TestHomeserver hs = TestHomeserver.start();
        Bridge bridge = startBridge(hs)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !log.lines(Level.INFO).isEmpty());
      assertThat(log.lines(Level.WARN)).isEmpty();
      // The key that encrypts login secrets was created beside the database, readable by the owner only.
      assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("bridge.key")))
          .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
      assertThat(hs.requests("POST", ".*/appservice/.*/ping")).hasSize(1);
    }
  }

  @Test
  void theBridgeLinksFilesOfAnAuthenticatedOnlyHomeserverAndItsLinksOutliveARestart() throws Exception {
    try (TestHomeserver hs = TestHomeserver.start(Options.defaults()
        .media(Options.Media.defaults().authenticatedOnly(true)))) {
      BridgeConfig cfg = config(hs, FreePorts.tcp(), "");
      Registration reg = RegistrationWriter.write(cfg, cfg.appservice().registration());
      hs.registerAppService(AppServiceRegistration.fromYaml(cfg.appservice().registration()));
      byte[] file = "a file shared in a Matrix room\n".repeat(200).getBytes(StandardCharsets.UTF_8);
      var http = HttpClient.newHttpClient();
      var upload = http.send(HttpRequest.newBuilder(URI.create(hs.baseUrl()
              + "/_matrix/media/v3/upload?filename=notes.txt"))
          .header("Authorization", "Bearer " + hs.user("alice").accessToken()).header("Content-Type", "text/plain")
          .POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofString());
      String mxc = new ObjectMapper().readTree(upload.body()).path("content_uri").asText();

      String link;
      try (Bridge bridge = Bridge.start(cfg, reg, new ConnectorFactory())) {
        link = bridge.mediaLinks().link(mxc, "notes.txt").orElseThrow();
        assertThat(link).startsWith("http://127.0.0.1:" + bridge.mediaPort() + "/media/");
        assertThat(fetch(http, link)).isEqualTo(file);
      }
      // The key was made beside the secret key, readable by the owner only, and signs the same links after a restart
      // (on another port here, as media.port is 0: the path is what counts).
      assertThat(Files.getPosixFilePermissions(dir.resolve("bridge.media.key")))
          .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
      try (Bridge again = Bridge.start(cfg, reg, new ConnectorFactory())) {
        String path = link.substring(link.indexOf("/media/"));
        assertThat(fetch(http, "http://127.0.0.1:" + again.mediaPort() + path)).isEqualTo(file);
      }
    }
  }

  private static byte[] fetch(HttpClient http, String url) throws Exception {
    var answer = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(answer.statusCode()).as(url).isEqualTo(200);
    return answer.body();
  }
}
