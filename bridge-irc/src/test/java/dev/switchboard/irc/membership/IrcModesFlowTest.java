package dev.switchboard.irc.membership;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Channel modes as room state, IRC bans, and puppets kicked on IRC, end to end through the testkit homeserver and a
 * real ngircd.
 */
class IrcModesFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ALIAS = "#_irc_test_#room:test.local";
  private static final String BOT = "@switchboard:test.local";

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port()));
  private IrcTestUser alice;
  private TestUser bob;
  private String room;

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice"); // first in #room: channel operator
    alice.join("#room");
    bob = hs.get().user("bob");
    room = bob.join(ALIAS);
    alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  private static String ghost(String nick) {
    return "@_irc_test_" + nick + ":test.local";
  }

  private int powerLevel(String roomId, String user) {
    JsonNode levels = hs.get().roomStateEvent(roomId, "m.room.power_levels", "");
    return levels == null ? -1 : levels.path("content").path("users").path(user).asInt(0);
  }

  private String joinRule(String roomId) {
    JsonNode rules = hs.get().roomStateEvent(roomId, "m.room.join_rules", "");
    return rules == null ? "" : rules.path("content").path("join_rule").asText();
  }

  private void awaitModeSeen(IrcTestUser by, String channel, String modes) {
    by.awaitLine(l -> IrcTestUser.command(l).equals("MODE") && l.contains(channel + " " + modes), WAIT);
  }

  @Test
  void namesPrefixesAndModeChangesBecomeGhostPowerLevels() throws Exception {
    // Before the bridge is in #multi: alice is @ and +, charlie +; NAMES (multi-prefix) shows both of alice's.
    alice.join("#multi");
    try (IrcTestUser charlie = IrcTestUser.connect(ircd.get(), "charlie")) {
      charlie.join("#multi");
      alice.send("MODE #multi +vv alice charlie");
      awaitModeSeen(alice, "#multi", "+vv alice charlie");

      String multi = bob.join("#_irc_test_#multi:test.local");

      await().atMost(WAIT).until(() -> powerLevel(multi, ghost("alice")) == 50);
      await().atMost(WAIT).until(() -> powerLevel(multi, ghost("charlie")) == 1);

      alice.send("MODE #multi +o charlie");
      await().atMost(WAIT).until(() -> powerLevel(multi, ghost("charlie")) == 50);
      // Taking +o leaves alice her +v, which only the multi-prefix NAMES told us about.
      alice.send("MODE #multi -o alice");
      await().atMost(WAIT).until(() -> powerLevel(multi, ghost("alice")) == 1);
      charlie.send("MODE #multi -vo charlie charlie");
      await().atMost(WAIT).until(() -> !hs.get().roomStateEvent(multi, "m.room.power_levels", "").path("content")
          .path("users").has(ghost("charlie")));
      assertThat(powerLevel(multi, BOT)).isEqualTo(100);
    }
  }

  @Test
  void inviteOnlyAndKeyedChannelsMakeTheRoomInviteOnly() throws Exception {
    await().atMost(WAIT).until(() -> joinRule(room).equals("public"));

    alice.send("MODE #room +i");
    await().atMost(WAIT).until(() -> joinRule(room).equals("invite"));
    alice.send("MODE #room -i");
    await().atMost(WAIT).until(() -> joinRule(room).equals("public"));
    alice.send("MODE #room +k sesame");
    await().atMost(WAIT).until(() -> joinRule(room).equals("invite"));
    alice.send("MODE #room -k sesame");
    await().atMost(WAIT).until(() -> joinRule(room).equals("public"));

    // A channel that is already +k when its portal opens: the room starts invite-only.
    alice.join("#locked");
    alice.send("MODE #locked +k sesame");
    awaitModeSeen(alice, "#locked", "+k");
    String locked = bob.join("#_irc_test_#locked:test.local");
    // The bot cannot join a keyed channel without the key, so it learns nothing there: the room stays as created.
    // (Keys for the bot are not configurable yet; see docs/irc.md.)
    assertThat(joinRule(locked)).isEqualTo("public");
  }

  @Test
  void anIrcBanBansTheGhostAndTheFollowingKickChangesNothing() throws Exception {
    try (IrcTestUser charlie = IrcTestUser.connect(ircd.get(), "charlie")) {
      charlie.join("#room");
      await().atMost(WAIT).until(() -> "join".equals(hs.get().members(room).get(ghost("charlie"))));

      alice.send("MODE #room +b charlie!*@*");
      await().atMost(WAIT).until(() -> "ban".equals(hs.get().members(room).get(ghost("charlie"))));
      alice.send("KICK #room charlie :banned");
      alice.awaitLine(l -> IrcTestUser.command(l).equals("KICK") && l.contains(" charlie "), WAIT);
      alice.say("#room", "after the kick");
      hs.get().awaitEvent(room, ghost("alice"),
          e -> e.path("content").path("body").asText().equals("after the kick"), WAIT);

      JsonNode member = hs.get().roomStateEvent(room, "m.room.member", ghost("charlie"));
      assertThat(member.path("content").path("membership").asText()).isEqualTo("ban");
      assertThat(member.path("content").path("reason").asText()).isEqualTo("Banned on IRC by alice (charlie!*@*)");
    }
  }

  @Test
  void aMatrixUserIsToldWhenTheirPuppetIsKicked() throws Exception {
    bob.send(room, "hello");
    alice.awaitMessage("bob", "#room", "hello", WAIT);

    alice.send("KICK #room bob :behave");

    JsonNode notice = hs.get().awaitEvent(room, BOT, e -> e.path("content").path("msgtype").asText().equals("m.notice"),
        WAIT);
    assertThat(notice.path("content").path("body").asText())
        .isEqualTo("@bob:test.local: your IRC connection (bob) was kicked from #room by alice (behave). It joins "
            + "again when you next send a message here.");
    assertThat(notice.path("content").path("m.mentions").path("user_ids").get(0).asText()).isEqualTo("@bob:test.local");

    bob.send(room, "back");
    alice.awaitMessage("bob", "#room", "back", WAIT);
  }
}
