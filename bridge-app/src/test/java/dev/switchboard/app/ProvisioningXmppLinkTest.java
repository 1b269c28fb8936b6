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
import dev.switchboard.testkit.fixture.XmppServerFixture;
import dev.switchboard.testkit.homeserver.AppServiceRegistration;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * The provisioning API linking a room to a MUC on a real Prosody through the jar's wiring: the link answers at once
 * (no operator is asked on XMPP), messages cross both ways, and {@code DELETE} takes the bridge out of the MUC.
 */
class ProvisioningXmppLinkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PREFIX = "/_switchboard/provisioning/v1";
  private static final String MUC = "team@" + ProsodyServer.MUC;

  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  @RegisterExtension
  final XmppServerFixture<ProsodyServer> prosody = XmppServerFixture.prosody();
  @RegisterExtension
  final HomeserverFixture hs = HomeserverFixture.start();
  @RegisterExtension
  final Fixture<Bridge> bridge = Fixture.of(this::startBridge);
  private XMPPTCPConnection carol;

  private Bridge startBridge() throws Exception {
    TestHomeserver hs = this.hs.get();
    ProsodyServer prosody = this.prosody.get();
    int asPort;
    try (ServerSocket s = new ServerSocket(0)) {
      asPort = s.getLocalPort();
    }
    Path file = dir.resolve("config.yaml");
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
          shared_secret: "provisioning-xmpp-test-secret-0123456789"
        permissions:
          "@root:%s": admin
        xmpp:
          enabled: true
          domain: %s
          secret: "%s"
          server_host: 127.0.0.1
          server_port: %d
        """.formatted(hs.baseUrl(), hs.serverName(), asPort, asPort, hs.serverName(), ProsodyServer.COMPONENT,
        prosody.componentSecret(), prosody.componentPort()));
    BridgeConfig cfg = new ConfigLoader(Map.of()).load(file);
    Registration registration = RegistrationWriter.write(cfg, cfg.appservice().registration());
    hs.registerAppService(AppServiceRegistration.fromYaml(cfg.appservice().registration()));
    return Bridge.start(cfg, registration, new ConnectorFactory());
  }

  @BeforeEach
  void start() throws Exception {
    prosody.get().createUser("carol", "pw-carol");
    carol = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
        .setXmppDomain(ProsodyServer.HOST).setHost("127.0.0.1").setPort(prosody.get().c2sPort())
        .setUsernameAndPassword("carol", "pw-carol").setResource("test")
        .setSecurityMode(SecurityMode.disabled).build());
  }

  @AfterEach
  void stop() {
    if (carol != null) {
      carol.disconnect();
    }
  }

  private HttpResponse<String> call(String method, String path, String auth, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.get().provisioningPort() + PREFIX
            + path))
        .timeout(Duration.ofSeconds(150))
        .header("Authorization", "Bearer " + auth)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private double counter(String name, String... tags) {
    io.micrometer.core.instrument.Counter c = bridge.get().metrics().find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  private double gauge(String name, String... tags) {
    io.micrometer.core.instrument.Gauge g = bridge.get().metrics().find(name).tags(tags).gauge();
    return g == null ? Double.NaN : g.value();
  }

  @Test
  void aRoomLinkedToAMucThroughTheApiBridgesBothWaysUntilItIsUnlinked() throws Exception {
    List<Message> carolGot = new CopyOnWriteArrayList<>();
    carol.addSyncStanzaListener(s -> carolGot.add((Message) s),
        s -> s instanceof Message m && m.getType() == Message.Type.groupchat);
    carol.connect().login();
    MultiUserChat team = MultiUserChatManager.getInstanceFor(carol).getMultiUserChat(JidCreate.entityBareFrom(MUC));
    team.create(Resourcepart.from("carol")).makeInstant();
    TestUser root = hs.get().user("root");
    String room = root.createRoom(RoomSpec.publicRoom().name("team"));
    String bot = "@switchboard:" + hs.get().serverName();
    root.invite(room, bot);
    root.setPowerLevel(room, bot, 100);
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(bot)));
    String token = "openid:" + root.requestOpenIdToken();
    String links = "/rooms/" + URLEncoder.encode(room, StandardCharsets.UTF_8) + "/links";

    HttpResponse<String> linked = call("POST", links, token, JSON.createObjectNode().put("protocol", "xmpp")
        .put("remote_room", "xmpp:" + MUC.toUpperCase() + "?join").toString());

    assertThat(linked.statusCode()).as(linked.body()).isEqualTo(200);
    assertThat(JSON.readTree(linked.body()).path("remote_room").asText()).isEqualTo(MUC);
    await().atMost(WAIT).until(() -> team.getOccupants().size() > 1);
    team.sendMessage("hello from the muc");
    JsonNode relayed = hs.get().awaitEvent(room, null,
        e -> "hello from the muc".equals(e.path("content").path("body").asText()), WAIT);
    assertThat(relayed.path("sender").asText()).startsWith("@_xmpp_");
    root.send(room, "hello from matrix");
    await().atMost(WAIT).until(() -> carolGot.stream().anyMatch(m -> "hello from matrix".equals(m.getBody())));
    // The XMPP meters: one message each way, the listener and root's occupant in the MUC, the component ready.
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(counter("switchboard.xmpp.messages", "direction", "to_matrix")).isEqualTo(1);
      assertThat(counter("switchboard.xmpp.messages", "direction", "to_remote")).isEqualTo(1);
      assertThat(gauge("switchboard.xmpp.mucs.joined")).isEqualTo(1);
      assertThat(gauge("switchboard.xmpp.muc.occupants")).isEqualTo(1);
      assertThat(gauge("switchboard.xmpp.component.state", "state", "ready")).isEqualTo(1);
    });

    HttpResponse<String> unlinked = call("DELETE", links + "?protocol=xmpp&remote_room="
        + URLEncoder.encode(MUC, StandardCharsets.UTF_8), token, null);

    assertThat(unlinked.statusCode()).as(unlinked.body()).isEqualTo(200);
    await().atMost(WAIT).until(() -> team.getOccupants().size() == 1);
    await().atMost(WAIT).untilAsserted(() -> assertThat(gauge("switchboard.xmpp.mucs.joined")).isZero());
    assertThat(JSON.readTree(call("GET", links, token, null).body()).path("links")).isEmpty();
  }
}
