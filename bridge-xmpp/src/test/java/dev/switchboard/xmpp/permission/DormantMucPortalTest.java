package dev.switchboard.xmpp.permission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, portal creation, against Prosody: an alias query says nothing of who asks, so the portal it makes is
 * dormant (the room exists, the bridge stays out of the MUC) until someone at level user is in the room; a relay
 * user is told why; the dormant state survives a restart.
 */
class DormantMucPortalTest {
  private static final Duration WAIT = MucFixture.WAIT;

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.startWithPermissions(dir, "{\"@rita:%s\": \"relay\"}"));
  private TestUser fred;
  private TestUser rita;
  private TestUser ursula;

  @BeforeEach
  void start() throws Exception {
    fred = f.get().hs.remoteUser("fred", "elsewhere.test"); // federated, matched by no entry: none
    rita = f.get().hs.user("rita");
    ursula = f.get().hs.user("ursula"); // a local user: user
  }

  @Test
  void anAliasQueryOfANoneUserMakesTheRoomButTheBridgeJoinsTheMucOnlyWhenAUserIsIn() throws Exception {
    String room = fred.join(f.get().alias());
    assertThat(room).startsWith("!");
    rita.join(room);
    rita.send(room, "anyone?");
    // Rita's message comes after fred's join in the room's order: once she has been told, fred's join was handled.
    await().atMost(WAIT).until(() -> noticeFor(room, rita).contains("nobody at permission level user"));
    assertBridgeStaysOut();

    ursula.join(room);
    await().atMost(WAIT).until(() -> nicksIn(f.get().bobInDev).contains("Matrix"));
    ursula.send(room, "from ursula");
    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> "from ursula".equals(m.getBody())));
    f.get().bobInDev.sendMessage("from bob");
    f.get().hs.awaitEvent(room, f.get().ghostOf("bob"),
        e -> "from bob".equals(e.path("content").path("body").asText()), WAIT);
    rita.send(room, "now?");
    await().atMost(WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> "<rita> now?".equalsIgnoreCase(
        m.getBody())));
  }

  @Test
  void aDormantPortalStaysDormantAcrossARestart() throws Exception {
    String room = fred.join(f.get().alias());
    rita.join(room);
    f.get().restartBridge();
    await().atMost(WAIT)
        .until(() -> f.get().connector.state() == dev.switchboard.core.connector.ConnectorState.RUNNING);
    rita.send(room, "anyone?");
    await().atMost(WAIT).until(() -> noticeFor(room, rita).contains("nobody at permission level user"));
    assertBridgeStaysOut();

    ursula.join(room);
    await().atMost(WAIT).until(() -> nicksIn(f.get().bobInDev).contains("Matrix"));
  }

  /** No presence of the bridge's occupant reaches bob in the MUC, for a few seconds. */
  private void assertBridgeStaysOut() {
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> f.get().bob.stanzas.stream()
        .noneMatch(s -> s instanceof Presence && s.getFrom() != null
            && s.getFrom().toString().startsWith(f.get().muc() + "/") && !s.getFrom().toString().endsWith("/bob")));
    assertThat(nicksIn(f.get().bobInDev)).containsExactly("bob");
  }

  private String noticeFor(String room, TestUser user) {
    return f.get().hs.timeline(room).stream().filter(e -> "m.notice".equals(e.path("content").path("msgtype").asText())
            && e.path("content").path("body").asText().startsWith(user.userId() + ":"))
        .map(e -> e.path("content").path("body").asText()).findFirst().orElse("");
  }

  private static Set<String> nicksIn(MultiUserChat muc) {
    return muc.getOccupants().stream().map(o -> o.getResourceOrEmpty().toString()).collect(Collectors.toSet());
  }
}
