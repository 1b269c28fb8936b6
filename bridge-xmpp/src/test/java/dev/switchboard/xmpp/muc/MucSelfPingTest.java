package dev.switchboard.xmpp.muc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.MucFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jivesoftware.smack.packet.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * XEP-0410: when Prosody silently forgets the bridge's occupants (no presence tells anyone, as after a MUC restart or
 * a lost s2s link), the self-ping notices and messages flow again both ways.
 */
class MucSelfPingTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir, "{\"self_ping_interval_seconds\": 1}"));

  @Test
  void occupantsForgottenByTheMucRejoinAndMessagesStillFlow() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
    alice.send(room, "before");
    await().atMost(MucFixture.WAIT).until(() -> groupchat(f.get()).contains("before"));
    f.get().bobInDev.sendMessage("bob before");
    await().atMost(MucFixture.WAIT).until(() -> bodiesFrom(room, f.get().ghostOf("bob")).contains("bob before"));

    // Both of the bridge's occupants vanish from the MUC without a word (forgetOccupant fails if one was not there).
    f.get().prosody.forgetOccupant("dev@" + ProsodyServer.MUC + "/Matrix");
    f.get().prosody.forgetOccupant("dev@" + ProsodyServer.MUC + "/alice");

    // The listener is not in the MUC: without a rejoin, bob's message would never reach the bridge.
    f.get().bobInDev.sendMessage("bob after");
    await().atMost(Duration.ofSeconds(60))
        .until(() -> bodiesFrom(room, f.get().ghostOf("bob")).contains("bob after"));
    // alice's occupant was dropped by its own self-ping and joins again when she speaks.
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      alice.send(room, "alice after");
      Thread.sleep(1500);
      return groupchat(f.get()).contains("alice after");
    });
    f.get().bobInDev.sendMessage("bob later");
    await().atMost(MucFixture.WAIT).until(() -> bodiesFrom(room, f.get().ghostOf("bob")).contains("bob later"));
    Thread.sleep(1000); // a late duplicate (history replayed on the rejoin) would show up here
    assertThat(bodiesFrom(room, f.get().ghostOf("bob"))).filteredOn(b -> b.startsWith("bob "))
        .containsExactly("bob before", "bob after", "bob later");
  }

  private static List<String> groupchat(MucFixture f) {
    return f.bob.messages.stream().filter(m -> m.getType() == Message.Type.groupchat && m.getBody() != null)
        .map(Message::getBody).toList();
  }

  private List<String> bodiesFrom(String room, String sender) {
    return f.get().hs.timeline(room).stream().filter(e -> sender.equals(e.path("sender").asText()))
        .map(e -> e.path("content").path("body").asText("")).filter(b -> !b.isEmpty()).toList();
  }
}
