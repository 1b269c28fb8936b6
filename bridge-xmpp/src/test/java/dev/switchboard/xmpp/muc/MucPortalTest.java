package dev.switchboard.xmpp.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.XmppServerFixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.XmppClient;
import dev.switchboard.xmpp.XmppConnector;
import dev.switchboard.xmpp.BridgeHarness;
import java.nio.file.Path;
import java.time.Duration;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/** MUC portals end to end: testkit homeserver, the bridge core with the XMPP connector, real Prosody, a real client. */
class MucPortalTest {
  private static final Duration WAIT = Duration.ofSeconds(30); // generous: CI machines are slow and shared

  @TempDir
  Path dir;
  @RegisterExtension
  final XmppServerFixture<ProsodyServer> prosody = XmppServerFixture.prosody();
  @RegisterExtension
  final HomeserverFixture hs = HomeserverFixture.start();
  @RegisterExtension
  final Fixture<BridgeHarness> bridge = Fixture.of(this::startBridge);
  private XmppClient bob;
  private MultiUserChat bobInDev;

  private BridgeHarness startBridge() throws Exception {
    JsonNode section = new ObjectMapper().readTree("""
        {"enabled": true, "domain": "%s", "secret": "%s", "server_host": "127.0.0.1", "server_port": %d,
         "disco_timeout_ms": 2000}
        """.formatted(ProsodyServer.COMPONENT, prosody.get().componentSecret(), prosody.get().componentPort()));
    return BridgeHarness.start(hs.get(), new XmppConnector(section, hs.get().serverName()), section, dir);
  }

  @BeforeEach
  void start() throws Exception {
    bob = XmppClient.login(prosody.get(), "bob");
    bobInDev = MultiUserChatManager.getInstanceFor(bob.connection)
        .getMultiUserChat(JidCreate.entityBareFrom("dev@" + ProsodyServer.MUC));
    bobInDev.create(Resourcepart.from("bob")).makeInstant();
  }

  @AfterEach
  void stop() {
    if (bob != null) {
      bob.close();
    }
  }

  private String alias() {
    return "#_xmpp_dev_" + ProsodyServer.MUC + ":" + hs.get().serverName();
  }

  private String bobsGhost() {
    return "@_xmpp_dev=40" + ProsodyServer.MUC + "/bob:" + hs.get().serverName();
  }

  @Test
  void joiningTheAliasCreatesAPortalWithBridgeStateAndTheOccupantsGhostsJoin() {
    TestUser alice = hs.get().user("alice");

    String room = alice.join(alias());

    assertThat(hs.get().aliasTarget(alias())).isEqualTo(room);
    assertThat(hs.get().roomStateEvent(room, "m.bridge", "dev.switchboard://xmpp/dev@" + ProsodyServer.MUC)
        .path("content").path("channel").path("id").asText()).isEqualTo("dev@" + ProsodyServer.MUC);
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(bobsGhost())));
    assertThat(hs.get().displayName(bobsGhost())).isEqualTo("bob");
    hs.get().assertNoSchemaViolations();
  }

  @Test
  void aMucMessageReachesTheMatrixRoomFromTheOccupantsGhost() throws Exception {
    TestUser alice = hs.get().user("alice");
    String room = alice.join(alias());
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(bobsGhost())));

    bobInDev.sendMessage("hi from xmpp");
    bobInDev.sendMessage("/me waves");

    JsonNode hi = hs.get().awaitEvent(room, bobsGhost(),
        e -> "hi from xmpp".equals(e.path("content").path("body").asText()), WAIT);
    assertThat(hi.path("content").path("msgtype").asText()).isEqualTo("m.text");
    JsonNode emote = hs.get().awaitEvent(room, bobsGhost(),
        e -> "waves".equals(e.path("content").path("body").asText()), WAIT);
    assertThat(emote.path("content").path("msgtype").asText()).isEqualTo("m.emote");
    hs.get().assertNoSchemaViolations();
  }

  @Test
  void aMatrixMessageReachesTheMucFromTheUsersNickAndIsNotEchoedBack() throws Exception {
    TestUser alice = hs.get().user("alice");
    String room = alice.join(alias());
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(bobsGhost())));

    // A control character would make Prosody drop the whole component stream if it reached the wire.
    alice.send(room, "hi from matrix\u0001");

    await().atMost(WAIT).until(() -> bob.messages.stream().anyMatch(m -> m.getType() == Message.Type.groupchat
        && "hi from matrix".equals(m.getBody())
        && m.getFrom().toString().equals("dev@" + ProsodyServer.MUC + "/alice")));

    // The stream survived: the next message goes through too, and the MUC's reflection is not bridged back.
    alice.send(room, "second");
    await().atMost(WAIT).until(() -> bob.messages.stream().anyMatch(m -> "second".equals(m.getBody())));
    Thread.sleep(500);
    assertThat(hs.get().timeline(room)).noneMatch(e -> e.path("sender").asText().startsWith("@_xmpp_")
        && e.path("type").asText().equals("m.room.message"));
    assertThat(bob.messages.stream().filter(m -> "second".equals(m.getBody()))).hasSize(1);
    hs.get().assertNoSchemaViolations();
  }

  @Test
  void theSubjectBecomesTheTopic() throws Exception {
    TestUser alice = hs.get().user("alice");
    String room = alice.join(alias());
    await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(bobsGhost())));

    bobInDev.changeSubject("release on friday");

    await().atMost(WAIT).until(() -> {
      JsonNode topic = hs.get().roomStateEvent(room, "m.room.topic", "");
      return topic != null && "release on friday".equals(topic.path("content").path("topic").asText());
    });
  }

  @Test
  void anAliasOfAMucThatDoesNotExistIsNotFound() {
    TestUser alice = hs.get().user("alice");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> alice.join("#_xmpp_nosuchroom_" + ProsodyServer.MUC
        + ":" + hs.get().serverName())).hasMessageContaining("M_NOT_FOUND");
  }
}
