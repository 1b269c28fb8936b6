package dev.switchboard.app;

import static dev.switchboard.app.HubFixture.CHANNEL;
import static dev.switchboard.app.HubFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Portal aliases of the networks of a hub room (issue 9): with {@code hub.portal_aliases: true} a Matrix user who
 * joins the XMPP or IRC portal alias of a MUC or channel that an admin linked into a room lands in that room; with
 * the switch off (the default) the alias names no room, and no second portal is created for the linked MUC.
 */
class HubPortalAliasTest {
  @TempDir
  Path dir;
  /** Whether the hub's {@code portal_aliases} switch is on; a test sets it before it first uses the hub. */
  private boolean portalAliases;
  @RegisterExtension
  final Fixture<HubFixture> f = Fixture.of(() -> HubFixture.start(dir, portalAliases)).onFirstUse();

  private String xmppAlias() {
    return "#_xmpp_hub_" + ProsodyServer.MUC + ":" + f.get().hs.serverName();
  }

  private String ircAlias() {
    return "#_irc_test_" + CHANNEL + ":" + f.get().hs.serverName();
  }

  @Test
  void withTheSwitchOnBothNetworksPortalAliasesLeadIntoTheHubRoom() throws Exception {
    portalAliases = true;
    TestUser bob = f.get().hs.user("bob");
    TestUser erin = f.get().hs.user("erin");

    assertThat(bob.join(xmppAlias())).isEqualTo(f.get().room);
    assertThat(erin.join(ircAlias())).isEqualTo(f.get().room);
    assertThat(f.get().hs.aliasTarget(xmppAlias())).isEqualTo(f.get().room);
    assertThat(f.get().hs.aliasTarget(ircAlias())).isEqualTo(f.get().room);

    // They are in the hub room itself: what bob says there reaches both networks.
    bob.send(f.get().room, "found you through the MUC's alias");
    f.get().carolAwaits("bob", "found you through the MUC's alias");
    f.get().dave.awaitMessage("bob", CHANNEL, "found you through the MUC's alias", WAIT);
  }

  @Test
  void withTheSwitchOffTheAliasesOfAdminLinkedRoomsNameNoRoom() throws Exception {
    TestUser bob = f.get().hs.user("bob");

    assertThatThrownBy(() -> bob.join(xmppAlias()));
    assertThatThrownBy(() -> bob.join(ircAlias()));
    assertThat(f.get().hs.aliasTarget(xmppAlias())).isNull();
    assertThat(f.get().hs.aliasTarget(ircAlias())).isNull();
    assertThat(f.get().hs.roomsOf(bob.userId(), "join")).isEmpty();
    // The hub room still works, and the MUC kept its one link.
    f.get().alice.send(f.get().room, "still here");
    f.get().carolAwaits("alice", "still here");
  }
}
