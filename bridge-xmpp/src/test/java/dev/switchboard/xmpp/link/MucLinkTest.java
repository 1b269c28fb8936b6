package dev.switchboard.xmpp.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkCapable.LinkException;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.BridgeHarness;
import dev.switchboard.xmpp.MucFixture;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.packet.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Plumbing an existing Matrix room to a Prosody MUC through {@code LinkCapable}, called directly. */
class MucLinkTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));

  @Test
  void linkingBridgesAnExistingRoomAndUnlinkingLeavesTheMucAndRemovesTheGhosts() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.createRoom(RoomSpec.publicRoom().name("team"));
    String bot = "@" + BridgeHarness.BOT_LOCALPART + ":" + f.get().hs.serverName();
    alice.setPowerLevel(room, bot, 50); // what a room admin gives the bridge so it can say "bridged to"
    UserId requester = UserId.of(alice.userId());

    Link link = f.get().connector.link(RoomId.of(room), "xmpp:" + f.get().muc().toUpperCase() + "?join", requester)
        .get(60, TimeUnit.SECONDS);

    assertThat(link.remoteId()).isEqualTo(f.get().muc());
    assertThat(link.plumbed()).isTrue();
    String stateKey = "dev.switchboard://xmpp/" + f.get().muc();
    JsonNode bridged = f.get().hs.roomStateEvent(room, "m.bridge", stateKey).path("content");
    assertThat(bridged.path("protocol").path("id").asText()).isEqualTo("xmpp");
    assertThat(bridged.path("channel").path("id").asText()).isEqualTo(f.get().muc());
    assertThat(bridged.path("bridgebot").asText()).isEqualTo(bot);
    await().atMost(MucFixture.WAIT).until(() -> f.get().bobInDev.getOccupants().stream()
        .anyMatch(o -> o.getResourceOrEmpty().toString().equals("Matrix")));
    f.get().bobInDev.sendMessage("hello plumbed room");
    f.get().hs.awaitEvent(room, f.get().ghostOf("bob"), e -> "hello plumbed room".equals(e.path("content").path("body")
        .asText()), MucFixture.WAIT);
    alice.send(room, "hello muc");
    await().atMost(MucFixture.WAIT).until(() -> f.get().bob.messages.stream().anyMatch(m -> m.getType()
        == Message.Type.groupchat && "hello muc".equals(m.getBody())));

    f.get().connector.unlink(link).get(60, TimeUnit.SECONDS);

    await().atMost(MucFixture.WAIT).until(() -> f.get().bobInDev.getOccupants().stream()
        .noneMatch(o -> o.getResourceOrEmpty().toString().equals("Matrix")));
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "leave");
    assertThat(f.get().hs.roomStateEvent(room, "m.bridge", stateKey).path("content").isEmpty()).isTrue();
    alice.send(room, "not bridged any more");
    f.get().bobInDev.sendMessage("nor this");
    Thread.sleep(1000);
    assertThat(f.get().bob.messages).noneMatch(m -> "not bridged any more".equals(m.getBody()));
    assertThat(f.get().hs.timeline(room)).noneMatch(e -> "nor this".equals(e.path("content").path("body").asText()));
    f.get().hs.assertNoSchemaViolations();
  }

  @Test
  void badMissingAndTakenMucsAreRefusedWithMatrixErrorCodes() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    RoomId first = RoomId.of(alice.createRoom(RoomSpec.publicRoom()));
    RoomId second = RoomId.of(alice.createRoom(RoomSpec.publicRoom()));
    UserId requester = UserId.of(alice.userId());

    assertThatThrownBy(() -> f.get().connector.normaliseRemoteRoom("not a jid@@"))
        .isInstanceOfSatisfying(LinkException.class, e -> assertThat(e.errcode()).isEqualTo("M_INVALID_PARAM"));
    assertThat(errcode(first, "nosuchroom@" + ProsodyServer.MUC, requester)).isEqualTo("M_NOT_FOUND");
    f.get().connector.link(first, f.get().muc(), requester).get(60, TimeUnit.SECONDS);
    assertThat(errcode(second, f.get().muc(), requester)).isEqualTo("M_ROOM_IN_USE");
  }

  private String errcode(RoomId room, String muc, UserId requester) throws Exception {
    try {
      f.get().connector.link(room, muc, requester).get(60, TimeUnit.SECONDS);
      return "linked";
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (!(cause instanceof LinkException) && cause != null && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause instanceof LinkException l ? l.errcode() : String.valueOf(cause);
    }
  }
}
