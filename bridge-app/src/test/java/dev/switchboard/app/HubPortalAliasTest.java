package dev.switchboard.app;

import static dev.switchboard.app.HubFixture.CHANNEL;
import static dev.switchboard.app.HubFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Portal aliases of the networks of a hub room (issue 9): with {@code hub.portal_aliases: true} a Matrix user who
 * joins the XMPP or IRC portal alias of a MUC or channel that an admin linked into a room lands in that room; with
 * the switch off (the default) the alias names no room, and no second portal is created for the linked MUC.
 */
class HubPortalAliasTest {
  @TempDir
  Path dir;
  private HubFixture f;

  @AfterEach
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  private String xmppAlias() {
    return "#_xmpp_hub_" + ProsodyServer.MUC + ":" + f.hs.serverName();
  }

  private String ircAlias() {
    return "#_irc_test_" + CHANNEL + ":" + f.hs.serverName();
  }

  @Test
  void withTheSwitchOnBothNetworksPortalAliasesLeadIntoTheHubRoom() throws Exception {
    f = HubFixture.start(dir, true);
    TestUser bob = f.hs.user("bob");
    TestUser erin = f.hs.user("erin");

    assertThat(bob.join(xmppAlias())).isEqualTo(f.room);
    assertThat(erin.join(ircAlias())).isEqualTo(f.room);
    assertThat(f.hs.aliasTarget(xmppAlias())).isEqualTo(f.room);
    assertThat(f.hs.aliasTarget(ircAlias())).isEqualTo(f.room);

    // They are in the hub room itself: what bob says there reaches both networks.
    bob.send(f.room, "found you through the MUC's alias");
    f.carolAwaits("bob", "found you through the MUC's alias");
    f.dave.awaitMessage("bob", CHANNEL, "found you through the MUC's alias", WAIT);
  }

  @Test
  void withTheSwitchOffTheAliasesOfAdminLinkedRoomsNameNoRoom() throws Exception {
    f = HubFixture.start(dir);
    TestUser bob = f.hs.user("bob");

    assertThatThrownBy(() -> bob.join(xmppAlias()));
    assertThatThrownBy(() -> bob.join(ircAlias()));
    assertThat(f.hs.aliasTarget(xmppAlias())).isNull();
    assertThat(f.hs.aliasTarget(ircAlias())).isNull();
    assertThat(f.hs.roomsOf(bob.userId(), "join")).isEmpty();
    // The hub room still works, and the MUC kept its one link.
    f.alice.send(f.room, "still here");
    f.carolAwaits("alice", "still here");
  }
}
