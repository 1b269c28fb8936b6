package dev.switchboard.xmpp.address;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.id.UserId;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Localpart;

/** Matrix users ↔ component JIDs, XMPP addresses ↔ ghosts, MUCs ↔ aliases: readable and reversible. */
class AddressesTest {
  private static final int RUNS = 5_000;
  private final MatrixUserJids userJids = new MatrixUserJids("matrix.example.org");
  private final XmppGhostIds ghosts = new XmppGhostIds("_xmpp_", "example.org");
  private final MucAliases aliases = new MucAliases("_xmpp_", "example.org");

  @Test
  void aNumberedOccupantGhostIsAnotherUserForTheSameOccupantAddress() throws Exception {
    org.jxmpp.jid.Jid occupant = org.jxmpp.jid.impl.JidCreate.from("dev@conference.example.net/carol");

    assertThat(ghosts.ghostOf(occupant, 1)).isEqualTo(ghosts.ghostOf(occupant));
    assertThat(ghosts.ghostOf(occupant, 2)).isNotEqualTo(ghosts.ghostOf(occupant));
    assertThat(ghosts.ghostOf(occupant, 2).value()).isEqualTo("@_xmpp_dev=40conference.example.net/carol=002:example.org");
    assertThat(ghosts.jidOf(ghosts.ghostOf(occupant, 2))).contains(occupant);
    assertThat(ghosts.isGhost(ghosts.ghostOf(occupant, 2))).isTrue();
  }

  @Test
  void aMatrixUserGetsAnXep0106EscapedAddressOnTheComponent() {
    EntityBareJid jid = userJids.jidOf(UserId.of("@alice:example.org"));

    assertThat(jid.toString()).isEqualTo("alice\\3aexample.org@matrix.example.org");
    assertThat(userJids.userOf(jid)).contains(UserId.of("@alice:example.org"));
  }

  @Test
  void upperCaseAndSpecialCharactersOfHistoricalUserIdsSurviveNodeprep() throws Exception {
    UserId odd = UserId.of("@Al\\ice/&'\"<>@x:example.org:8448");

    EntityBareJid jid = userJids.jidOf(odd);

    // Parsing again (as a server would) must not change the localpart.
    assertThat((Object) JidCreate.entityBareFrom(jid.toString())).isEqualTo(jid);
    assertThat(userJids.userOf(jid)).contains(odd);
  }

  @Test
  void anyMatrixUserIdRoundTripsThroughItsJid() throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < RUNS; i++) {
      // Historical user ids: printable ASCII other than ':' in the localpart.
      UserId user = UserId.of("@" + randomAscii(random, 1 + random.nextInt(30), ':') + ":"
          + randomAscii(random, 1 + random.nextInt(20), -1).replace(':', 'x'));
      EntityBareJid jid = userJids.jidOf(user);
      assertThat(Localpart.from(jid.getLocalpart().toString())).isEqualTo(jid.getLocalpart());
      assertThat(userJids.userOf(JidCreate.from(jid.toString()))).as("round trip of %s", user).contains(user);
    }
  }

  @Test
  void aJidOutsideTheComponentIsNoMatrixUser() throws Exception {
    assertThat(userJids.userOf(JidCreate.from("alice\\3aexample.org@elsewhere.org"))).isEmpty();
    assertThat(userJids.userOf(JidCreate.from("matrix.example.org"))).isEmpty();
    // On the component but not a user id (no escaped colon): the listener's JID, a mistyped one.
    assertThat(userJids.userOf(JidCreate.from("_bridge@matrix.example.org/listener"))).isEmpty();
    assertThat(userJids.userOf(JidCreate.from("alice_example.org@matrix.example.org"))).isEmpty();
    assertThat(userJids.userOf(JidCreate.from("\\3aexample.org@matrix.example.org"))).isEmpty();
  }

  @Test
  void anXmppUserBecomesAGhostWithTheMatrixUserIdGrammar() throws Exception {
    UserId ghost = ghosts.ghostOf(JidCreate.from("bob@example.net"));

    assertThat(ghost).hasToString("@_xmpp_bob=40example.net:example.org");
    assertThat(ghosts.jidOf(ghost)).contains(JidCreate.from("bob@example.net"));
  }

  @Test
  void anyOccupantAddressRoundTripsThroughItsGhost() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < RUNS; i++) {
      // Nicks are free Unicode text with any case.
      String nick = randomNick(random);
      Jid occupant = JidCreate.from("room@conference.example.net/" + nick);
      UserId ghost = ghosts.ghostOf(occupant);
      assertThat(ghost.localpart()).matches("[a-z0-9._=\\-/+]+");
      assertThat(ghosts.jidOf(ghost)).as("round trip of %s", occupant).contains(occupant);
    }
  }

  @Test
  void aUserIdOutsideTheNamespaceIsNoGhost() {
    assertThat(ghosts.jidOf(UserId.of("@alice:example.org"))).isEmpty();
    assertThat(ghosts.jidOf(UserId.of("@_xmpp_bob=40example.net:other.org"))).isEmpty();
    assertThat(ghosts.jidOf(UserId.of("@_xmpp_bob=zz:example.org"))).isEmpty();
  }

  @Test
  void aMucAliasNamesRoomAndServiceAndRoundTrips() throws Exception {
    EntityBareJid muc = JidCreate.entityBareFrom("dev_team@conference.example.net");

    RoomAlias alias = aliases.aliasOf(muc);

    assertThat(alias).hasToString("#_xmpp_dev_team_conference.example.net:example.org");
    assertThat(aliases.mucOf(alias)).contains(muc);
    assertThat(aliases.mucOf(RoomAlias.of("#_xmpp_nodomain:example.org"))).isEmpty();
    assertThat(aliases.mucOf(RoomAlias.of("#other:example.org"))).isEmpty();
  }

  private static String randomAscii(SplittableRandom random, int length, int except) {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < length) {
      int c = 0x21 + random.nextInt(0x7e - 0x21 + 1);
      if (c != except) {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  private static String randomNick(SplittableRandom random) {
    int[] pool = {'a', 'Z', '5', ' ', '=', '_', '@', '/', '\u00e9', '\u00df', '\u4e2d', 0x1F600, '.', '-', '+', 'Q'};
    StringBuilder sb = new StringBuilder("n");
    int length = 1 + random.nextInt(12);
    for (int i = 0; i < length; i++) {
      sb.appendCodePoint(pool[random.nextInt(pool.length)]);
    }
    return sb.toString().strip();
  }
}
