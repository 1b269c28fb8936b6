package dev.switchboard.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.config.BridgeConfig;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.registration.Registration;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provisioning API linking rooms to IRC channels through the jar's wiring, against a real ngircd and the testkit
 * homeserver: the channel's operator (a scripted IRC client that joined first) is asked and answers, messages cross
 * the link, {@code DELETE} removes it, and the permission rules hold for real OpenID callers.
 */
class ProvisioningLinkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PREFIX = "/_switchboard/provisioning/v1";
  private static final String SECRET = "provisioning-link-test-secret-0123456789";

  @TempDir
  static Path dir;
  private static final HttpClient http = HttpClient.newHttpClient();
  @RegisterExtension
  static final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  static final HomeserverFixture hs = HomeserverFixture.start();
  @RegisterExtension
  static final Fixture<Bridge> bridge = Fixture.of(ProvisioningLinkTest::startBridge);
  private static String bot;

  private static Bridge startBridge() throws Exception {
    TestHomeserver hs = ProvisioningLinkTest.hs.get();
    int port = ircd.get().port();
    int asPort;
    try (ServerSocket s = new ServerSocket(0)) {
      asPort = s.getLocalPort();
    }
    Path file = dir.resolve("config.yaml");
    // Two networks on the same ircd: "test" asks with the default timeout, "quick" gives up after 3 s.
    Files.writeString(file, """
        homeserver:
          url: %s
          domain: %s
        appservice:
          port: %d
          url: http://127.0.0.1:%d
        media:
          port: 0
        database:
          url: jdbc:sqlite:bridge.db
        provisioning:
          enabled: true
          port: 0
          shared_secret: "%s"
        permissions:
          "@root:%s": admin
          "@eve:%s": admin
        irc:
          enabled: true
          networks:
            test:
              host: 127.0.0.1
              port: %d
              tls: false
              nick: switchboard
            quick:
              host: 127.0.0.1
              port: %d
              tls: false
              nick: switchquick
              link_confirmation_timeout_seconds: 3
        """.formatted(hs.baseUrl(), hs.serverName(), asPort, asPort, SECRET, hs.serverName(), hs.serverName(),
        port, port));
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(file);
    Registration registration = RegistrationWriter.write(cfg, cfg.appservice().registration());
    hs.registerAppService(AppServiceRegistration.fromYaml(cfg.appservice().registration()));
    bot = "@switchboard:" + hs.serverName();
    return Bridge.start(cfg, registration, new ConnectorFactory());
  }

  private record Answer(int status, JsonNode body) {
    String errcode() {
      return body.path("errcode").asText();
    }
  }

  private static CompletableFuture<Answer> call(String method, String path, String auth, JsonNode body) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.get().provisioningPort()
            + PREFIX + path))
        .timeout(Duration.ofSeconds(150))
        .header("Authorization", "Bearer " + auth)
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
      try {
        return new Answer(r.statusCode(), r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body()));
      } catch (Exception e) {
        throw new IllegalStateException("not JSON: " + r.body(), e);
      }
    });
  }

  private static String openId(TestUser user) {
    return "openid:" + user.requestOpenIdToken();
  }

  private static String links(String room) {
    return "/rooms/" + URLEncoder.encode(room, StandardCharsets.UTF_8) + "/links";
  }

  private static CompletableFuture<Answer> link(TestUser as, String room, String remoteRoom) {
    return call("POST", links(room), openId(as), JSON.createObjectNode().put("protocol", "irc")
        .put("remote_room", remoteRoom));
  }

  private static Answer unlink(TestUser as, String room, String remoteRoom) throws Exception {
    return call("DELETE", links(room) + "?protocol=irc&remote_room="
        + URLEncoder.encode(remoteRoom, StandardCharsets.UTF_8), openId(as), null).get(90, TimeUnit.SECONDS);
  }

  /** A room of {@code owner}'s with the bot invited and allowed to set state. */
  private static String roomOf(TestUser owner) {
    String room = owner.createRoom(RoomSpec.publicRoom().name("plumbed"));
    owner.invite(room, bot);
    owner.setPowerLevel(room, bot, 100);
    // The bridge reads the room's power levels as the bot: it must have joined, not just be invited.
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(bot)));
    return room;
  }

  /** The question {@code op} gets from the bridge's {@code botNick} about {@code channel}. */
  private static String question(IrcTestUser op, String botNick, String channel) {
    return op.awaitLine(l -> isQuestion(l, botNick, channel), WAIT);
  }

  /** As above, failing at once with the API's answer if the request ends before anyone was asked. */
  private static String question(IrcTestUser op, String botNick, String channel, CompletableFuture<Answer> linking) {
    await().atMost(WAIT).until(() -> linking.isDone() || op.lines().stream().anyMatch(l -> isQuestion(l, botNick,
        channel)));
    assertThat(op.lines()).as("nobody was asked; the request ended with %s", linking.getNow(null))
        .anyMatch(l -> isQuestion(l, botNick, channel));
    return question(op, botNick, channel);
  }

  private static boolean isQuestion(String line, String botNick, String channel) {
    return line.startsWith(":" + botNick + "!") && IrcTestUser.command(line).equals("NOTICE")
        && line.contains("wants to bridge " + channel + " ");
  }

  @Test
  void anOperatorsYesMakesTheLinkMessagesCrossAndDeleteRemovesIt() throws Exception {
    TestUser root = hs.get().user("root");
    String room = roomOf(root);
    try (IrcTestUser dave = IrcTestUser.connect(ircd.get(), "dave")) {
      dave.join("#plumbed"); // first in: channel operator
      dave.awaitLine(l -> l.contains(" 366 "), WAIT);

      CompletableFuture<Answer> linking = link(root, room, "test/#Plumbed");
      String asked = question(dave, "switchboard", "#plumbed", linking);
      assertThat(linking).as("no link before the operator answered").isNotDone();
      dave.say("switchboard", "yes");
      Answer linked = linking.get(90, TimeUnit.SECONDS);

      assertThat(asked).contains(root.userId() + " wants to bridge #plumbed to the Matrix room " + room);
      assertThat(linked.status()).as(linked.body().toString()).isEqualTo(200);
      assertThat(linked.body().path("remote_room").asText()).isEqualTo("test/#plumbed");
      Answer listed = call("GET", links(room), openId(root), null).get(30, TimeUnit.SECONDS);
      assertThat(listed.body().path("links")).extracting(l -> l.path("remote_room").asText())
          .containsExactly("test/#plumbed");

      root.send(room, "hello irc");
      dave.awaitMessage("root", "#plumbed", "hello irc", WAIT);
      dave.say("#plumbed", "hello matrix");
      hs.get().awaitEvent(room, "@_irc_test_dave:" + hs.get().serverName(),
          e -> e.path("content").path("body").asText().equals("hello matrix"), WAIT);

      // Nobody else unlinks it: a plain user, nor a bridge admin without power in the room.
      Answer byUser = unlink(hs.get().user("mallory"), room, "test/#plumbed");
      Answer byOtherAdmin = unlink(hs.get().user("eve"), room, "test/#plumbed");
      assertThat(byUser.status()).isEqualTo(403);
      assertThat(byUser.errcode()).isEqualTo("M_FORBIDDEN");
      assertThat(byOtherAdmin.status()).isEqualTo(403);
      assertThat(byOtherAdmin.errcode()).isEqualTo("M_FORBIDDEN");

      Answer unlinked = unlink(root, room, "test/#plumbed");
      assertThat(unlinked.status()).as(unlinked.body().toString()).isEqualTo(200);
      assertThat(unlinked.body().path("unlinked").asBoolean()).isTrue();
      dave.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" PART #plumbed"), WAIT);
      String daveGhost = "@_irc_test_dave:" + hs.get().serverName();
      await().atMost(WAIT).untilAsserted(() -> assertThat(hs.get().members(room))
          .as("timeline: %s", hs.get().timeline(room).stream()
              .filter(e -> e.path("type").asText().equals("m.room.member"))
              .map(e -> e.path("sender").asText() + " " + e.path("state_key").asText() + " "
                  + e.path("content").path("membership").asText()).toList())
          .doesNotContainEntry(daveGhost, "join"));
      assertThat(call("GET", links(room), openId(root), null).get(30, TimeUnit.SECONDS).body().path("links"))
          .isEmpty();
      assertThat(hs.get().members(room)).containsEntry(root.userId(), "join");
    }
  }

  @Test
  void anOperatorsNoRefusesTheLink() throws Exception {
    TestUser root = hs.get().user("root");
    String room = roomOf(root);
    try (IrcTestUser frank = IrcTestUser.connect(ircd.get(), "frank")) {
      frank.join("#refused");
      frank.awaitLine(l -> l.contains(" 366 "), WAIT);

      CompletableFuture<Answer> linking = link(root, room, "test/#refused");
      question(frank, "switchboard", "#refused", linking);
      frank.say("switchboard", "no");
      Answer refused = linking.get(90, TimeUnit.SECONDS);

      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.errcode()).isEqualTo("M_FORBIDDEN");
      assertThat(refused.body().path("error").asText()).contains("frank").contains("refused");
      frank.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" PART #refused"), WAIT);
      assertThat(call("GET", "/links", SECRET, null).get(30, TimeUnit.SECONDS).body().path("links"))
          .noneMatch(l -> l.path("room_id").asText().equals(room));
    }
  }

  @Test
  void anUnansweredQuestionTimesOut() throws Exception {
    TestUser root = hs.get().user("root");
    String room = roomOf(root);
    try (IrcTestUser grace = IrcTestUser.connect(ircd.get(), "grace")) {
      grace.join("#quiet");
      grace.awaitLine(l -> l.contains(" 366 "), WAIT);

      Answer timedOut = link(root, room, "quick/#quiet").get(90, TimeUnit.SECONDS);
      question(grace, "switchquick", "#quiet");

      assertThat(timedOut.status()).isEqualTo(504);
      assertThat(timedOut.errcode()).isEqualTo("DEV.SWITCHBOARD.TIMEOUT");
      assertThat(timedOut.body().path("error").asText()).contains("no operator of quick/#quiet answered within 3 s");
      grace.awaitLine(l -> l.startsWith(":switchquick!") && l.contains(" PART #quiet"), WAIT);
      // A late yes changes nothing.
      grace.say("switchquick", "yes");
      assertThat(call("GET", links(room), openId(root), null).get(30, TimeUnit.SECONDS).body().path("links"))
          .isEmpty();
    }
  }

  @Test
  void aUserCannotPlumbEvenTheirOwnRoom() throws Exception {
    TestUser alice = hs.get().user("alice");
    String room = roomOf(alice);

    Answer refused = link(alice, room, "test/#alices").get(30, TimeUnit.SECONDS);

    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.errcode()).isEqualTo("M_FORBIDDEN");
    assertThat(refused.body().path("error").asText()).contains("admin");
    assertThat(call("GET", links(room), openId(alice), null).get(30, TimeUnit.SECONDS).body().path("links")).isEmpty();
  }
}
