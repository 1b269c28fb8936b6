package dev.switchboard.xmpp.gateway;

import static org.awaitility.Awaitility.await;

import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.xmpp.ProsodyServer;
import dev.switchboard.xmpp.MucFixture;
import dev.switchboard.xmpp.XmppClient;
import dev.switchboard.xmpp.address.GatewayJids;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smackx.muc.MUCAffiliation;
import org.jivesoftware.smackx.muc.MUCRole;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.muc.packet.MUCItem;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.parts.Resourcepart;

/** Matrix power levels shown as MUC affiliations and roles in a gateway room's presences, at join and on change. */
class GatewayRolesTest {
  private static final Duration WAIT = MucFixture.WAIT;

  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));
  private XmppClient dave;

  @AfterEach
  void stop() {
    if (dave != null) {
      dave.close();
    }
  }

  @Test
  void powerLevelsBecomeAffiliationsAndRoles() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    TestUser carol = f.get().hs.user("carol");
    TestUser erin = f.get().hs.user("erin");
    String room = alice.createRoom(RoomSpec.publicRoom().alias("hall"));
    carol.join(room);
    erin.join(room);
    alice.setPowerLevel(room, erin.userId(), 50);

    dave = XmppClient.login(f.get().prosody, "dave");
    EntityBareJid hall = new GatewayJids(ProsodyServer.COMPONENT).jidOf(
        RoomAlias.of("#hall:" + f.get().hs.serverName()));
    MultiUserChat muc = MultiUserChatManager.getInstanceFor(dave.connection).getMultiUserChat(hall);
    muc.join(muc.getEnterConfigurationBuilder(Resourcepart.from("dave")).timeoutAfter(WAIT.toMillis()).build());

    // At join: the room's creator (100) is an owner, erin (50) an admin, both moderators; carol a participant.
    await().atMost(WAIT).until(() -> is(latest(hall, "alice"), MUCAffiliation.owner, MUCRole.moderator)
        && is(latest(hall, "erin"), MUCAffiliation.admin, MUCRole.moderator)
        && is(latest(hall, "carol"), MUCAffiliation.none, MUCRole.participant)
        && is(latest(hall, "dave"), MUCAffiliation.none, MUCRole.participant));

    // Changes follow: carol becomes a moderator, and dave's ghost drops below the level to speak (a visitor).
    alice.setPowerLevel(room, carol.userId(), 50);
    await().atMost(WAIT).until(() -> is(latest(hall, "carol"), MUCAffiliation.admin, MUCRole.moderator));
    f.get().awaitMembership(room, "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName(), "join");
    alice.setPowerLevel(room, "@_xmpp_dave=40" + ProsodyServer.HOST + ":" + f.get().hs.serverName(), -1);
    await().atMost(WAIT).until(() -> is(latest(hall, "dave"), MUCAffiliation.none, MUCRole.visitor)
        && MUCUser.from(latest(hall, "dave").orElseThrow()).getStatus()
            .contains(MUCUser.Status.PRESENCE_TO_SELF_110));
  }

  /** The last available presence dave got for the occupant {@code nick}. */
  private Optional<Presence> latest(EntityBareJid room, String nick) {
    return dave.stanzas.stream().filter(s -> s instanceof Presence p && p.getType() == Presence.Type.available
            && p.getFrom() != null && p.getFrom().toString().equals(room + "/" + nick))
        .map(s -> (Presence) s).reduce((a, b) -> b);
  }

  private static boolean is(Optional<Presence> presence, MUCAffiliation affiliation, MUCRole role) {
    if (presence.isEmpty() || MUCUser.from(presence.get()) == null) {
      return false;
    }
    MUCItem item = MUCUser.from(presence.get()).getItem();
    return item != null && item.getAffiliation() == affiliation && item.getRole() == role;
  }
}
