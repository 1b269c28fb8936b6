package dev.switchboard.xmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.XmppServerFixture;
import dev.switchboard.testkit.homeserver.TestHomeserver;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.EjabberdServer;
import java.nio.file.Path;
import java.time.Duration;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/** The second XMPP server: the component handshake and a MUC portal against a real ejabberd. */
class EjabberdTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;
  @RegisterExtension
  final XmppServerFixture<EjabberdServer> xmpp = XmppServerFixture.ejabberd();
  @RegisterExtension
  final HomeserverFixture homeserver = HomeserverFixture.start();
  @RegisterExtension
  final Fixture<BridgeHarness> bridge = Fixture.of(this::startBridge);
  private XmppConnector connector;
  private XmppClient bob;

  @AfterEach
  void stop() {
    if (bob != null) {
      bob.close();
    }
  }

  private BridgeHarness startBridge() throws Exception {
    EjabberdServer ejabberd = xmpp.get();
    TestHomeserver hs = homeserver.get();
    JsonNode section = new ObjectMapper().readTree("""
        {"enabled": true, "domain": "%s", "secret": "%s", "server_host": "127.0.0.1", "server_port": %d,
         "disco_timeout_ms": 5000}
        """.formatted(EjabberdServer.COMPONENT, ejabberd.componentSecret(), ejabberd.componentPort()));
    connector = new XmppConnector(section, hs.serverName());
    return BridgeHarness.start(hs, connector, section, dir);
  }

  @Test
  void theComponentConnectsToEjabberdAndAMucPortalCarriesMessagesBothWays() throws Exception {
    EjabberdServer ejabberd = xmpp.get();
    TestHomeserver hs = homeserver.get();
    await().atMost(WAIT).until(() -> connector.state() == dev.switchboard.core.connector.ConnectorState.RUNNING);

    ejabberd.createUser("bob", "pw-bob");
    bob = XmppClient.login(ejabberd.c2sPort(), "bob");
    MultiUserChat dev = MultiUserChatManager.getInstanceFor(bob.connection)
        .getMultiUserChat(JidCreate.entityBareFrom("dev@" + EjabberdServer.MUC));
    dev.create(Resourcepart.from("bob")).makeInstant();

    TestUser alice = hs.user("alice");
    String room = alice.join("#_xmpp_dev_" + EjabberdServer.MUC + ":" + hs.serverName());
    String bobsGhost = "@_xmpp_dev=40" + EjabberdServer.MUC + "/bob:" + hs.serverName();
    await().atMost(WAIT).until(() -> "join".equals(hs.members(room).get(bobsGhost)));

    dev.sendMessage("hello from ejabberd");
    hs.awaitEvent(room, bobsGhost, e -> "hello from ejabberd".equals(e.path("content").path("body").asText()), WAIT);
    alice.send(room, "hello from matrix");
    await().atMost(WAIT).until(() -> bob.messages.stream().anyMatch(m -> m.getType() == Message.Type.groupchat
        && "hello from matrix".equals(m.getBody()) && m.getFrom().toString().equals("dev@" + EjabberdServer.MUC
        + "/alice")));
    Thread.sleep(500);
    assertThat(bob.messages.stream().filter(m -> "hello from matrix".equals(m.getBody()))).hasSize(1);
    assertThat(hs.timeline(room).stream().filter(e -> "hello from ejabberd".equals(e.path("content").path("body")
        .asText()))).hasSize(1);
    hs.assertNoSchemaViolations();
  }
}
