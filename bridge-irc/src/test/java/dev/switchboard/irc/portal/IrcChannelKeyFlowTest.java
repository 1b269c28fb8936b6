package dev.switchboard.irc.portal;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.store.SecretBox;
import dev.switchboard.irc.network.IrcConnection;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.LogCapture;
import dev.switchboard.testkit.homeserver.RoomSpec;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keyed ({@code +k}) channels against ngircd: a portal opened with {@code !irc join #chan key}, a plumbed room whose
 * key was given with {@code !irc key}; the bot and the puppets join with the key, the key is stored sealed with the
 * portal, followed when an operator changes it, a wrong key is forgotten, and unlinking forgets it.
 */
class IrcChannelKeyFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
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
  private String admin;

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice");
    bob = hs.get().user("bob");
    admin = bob.createRoom(RoomSpec.privateRoom().invite(BOT).direct());
    hs.get().awaitEvent(admin, BOT, e -> e.path("content").path("body").asText().startsWith("Hello!"), WAIT);
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  /** alice (first in, so operator) makes a keyed channel. */
  private void keyedChannel(String channel, String key) throws Exception {
    alice.join(channel);
    alice.awaitLine(l -> IrcTestUser.command(l).equals("366") && l.contains(channel), WAIT);
    alice.send("MODE " + channel + " +k " + key);
    alice.awaitLine(l -> IrcTestUser.command(l).equals("MODE") && l.contains(channel + " +k"), WAIT);
  }

  /** The stored key of a channel, decrypted with the harness's all-zero secret key; null when none is stored. */
  private String storedKey(String channel) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bridge.db"));
        PreparedStatement s = c.prepareStatement(
            "SELECT key_sealed FROM irc_channel_key WHERE network = 'test' AND channel = ?")) {
      s.setString(1, channel);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          return null;
        }
        byte[] sealed = r.getBytes(1);
        String opened = new String(new SecretBox(new byte[SecretBox.KEY_BYTES], new SecureRandom()).open(sealed,
            ("switchboard/irc-channel-key/v1/test/" + channel).getBytes(StandardCharsets.UTF_8)),
            StandardCharsets.UTF_8);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain(opened);
        return opened;
      }
    }
  }

  private long botJoins(String channel) {
    return alice.lines().stream().filter(l -> IrcTestUser.untagged(l).startsWith(":switchboard!")
        && IrcTestUser.command(l).equals("JOIN") && l.contains(channel)).count();
  }

  @Test
  void aPortalOpenedWithAKeyIsJoinedByTheBotAndThePuppetsAndFollowsKeyChanges() throws Exception {
    keyedChannel("#secret", "opensesame");
    assertThat(command("!irc join #secret opensesame")).startsWith("Invited you to #_irc_test_#secret:test.local")
        .contains("will join #secret with that key");
    String portal = hs.get().aliasTarget("#_irc_test_#secret:test.local");
    bob.join(portal);
    alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":switchboard!") && l.contains(" JOIN :#secret"), WAIT);
    await().atMost(WAIT).until(() -> "opensesame".equals(storedKey("#secret")));

    // Bob's puppet joins with the key too, and messages cross both ways.
    bob.send(portal, "hello keyed channel");
    alice.awaitMessage("bob", "#secret", "hello keyed channel", WAIT);
    alice.say("#secret", "welcome bob");
    hs.get().awaitEvent(portal, "@_irc_test_alice:test.local",
        e -> e.path("content").path("body").asText().equals("welcome bob"), WAIT);

    // An operator changes the key: the bridge follows, and rejoins with the new key after a kick.
    alice.send("MODE #secret +k changed2");
    await().atMost(WAIT).until(() -> "changed2".equals(storedKey("#secret")));
    assertThat(botJoins("#secret")).isEqualTo(1);
    alice.send("KICK #secret switchboard :come back");
    await().atMost(WAIT).until(() -> botJoins("#secret") == 2);

    // Giving a key while the bot is in the channel changes nothing.
    assertThat(command("!irc key #secret wrong")).contains("follows its key");
    assertThat(storedKey("#secret")).isEqualTo("changed2");

    // -k forgets it.
    alice.send("MODE #secret -k changed2");
    await().atMost(WAIT).until(() -> storedKey("#secret") == null);
  }

  @Test
  void aWrongKeyIsRefusedAndForgottenAndTheRightOneGivenLaterIsUsed() throws Exception {
    keyedChannel("#locked", "right");
    try (LogCapture log = new LogCapture(IrcConnection.class)) {
      assertThat(command("!irc join #locked wrong")).startsWith("Invited you to");
      await().atMost(WAIT).until(() -> log.lines(Level.WARN).stream()
          .anyMatch(l -> l.contains("cannot join #locked: wrong or missing channel key (+k) (475)")));
    }
    assertThat(storedKey("#locked")).isNull();
    assertThat(botJoins("#locked")).isZero();

    assertThat(command("!irc key #locked right")).contains("will join #locked with that key");
    alice.awaitLine(l -> IrcTestUser.untagged(l).startsWith(":switchboard!") && l.contains(" JOIN :#locked"), WAIT);
    await().atMost(WAIT).until(() -> "right".equals(storedKey("#locked")));
    assertThat(command("!irc key #locked other")).contains("follows its key");
  }

  @Test
  void aPlumbedRoomUsesTheKeyGivenBeforeLinkingAndUnlinkingForgetsIt() throws Exception {
    keyedChannel("#vault", "k3y");
    String room = bob.createRoom(RoomSpec.publicRoom().name("Vault"));
    bob.invite(room, BOT);
    bob.setPowerLevel(room, BOT, 100);
    assertThat(command("!irc key #vault k3y")).contains("will join #vault with that key");

    var linking = bridge.get().connector.link(RoomId.of(room), "test/#vault", UserId.of(bob.userId()));
    alice.awaitLine(l -> l.startsWith(":switchboard!") && IrcTestUser.command(l).equals("NOTICE")
        && l.contains("wants to bridge #vault"), WAIT);
    alice.say("switchboard", "yes");
    Link link = linking.get(60, TimeUnit.SECONDS);
    assertThat(storedKey("#vault")).isEqualTo("k3y");

    bob.send(room, "in the vault");
    alice.awaitMessage("bob", "#vault", "in the vault", WAIT);

    bridge.get().connector.unlink(link).get(60, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> storedKey("#vault") == null);
  }

  /** Sends a command in the admin room and returns the bot's reply to it. */
  private String command(String text) {
    String id = bob.send(admin, text);
    return hs.get().awaitEvent(admin, BOT, e -> e.path("content").path("msgtype").asText().equals("m.notice")
        && index(e) > index(id), WAIT).path("content").path("body").asText();
  }

  private int index(JsonNode event) {
    return index(event.path("event_id").asText());
  }

  private int index(String eventId) {
    var timeline = hs.get().timeline(admin);
    for (int i = 0; i < timeline.size(); i++) {
      if (timeline.get(i).path("event_id").asText().equals(eventId)) {
        return i;
      }
    }
    return -1;
  }
}
