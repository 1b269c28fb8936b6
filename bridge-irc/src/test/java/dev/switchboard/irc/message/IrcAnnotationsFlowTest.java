package dev.switchboard.irc.message;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Reactions, redactions and media from Matrix, end to end through the testkit homeserver and a real ngircd. */
class IrcAnnotationsFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  final HomeserverFixture hs = IrcBridgeHarness.homeserver();
  /** The {@code test} network's settings, chosen by each test before {@link #start} starts the bridge. */
  private Consumer<ObjectNode> network;
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port(), network)).onFirstUse();
  private IrcTestUser alice;
  private TestUser bob;
  private String room;

  private void start(Consumer<ObjectNode> network) throws Exception {
    this.network = network;
    bridge.get();
    alice = IrcTestUser.connect(ircd.get(), "alice");
    alice.join("#room");
    bob = hs.get().user("bob");
    room = bob.join("#_irc_test_#room:test.local");
    alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);
    // The portal wakes (its bot joins the channel) on bob's join, racing his puppet's JOIN: wait for both.
    alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
  }

  @AfterEach
  void stop() {
    if (alice != null) {
      alice.close();
    }
  }

  private String aliceSays(String text) throws Exception {
    alice.say("#room", text);
    String id = hs.get().awaitEvent(room, "@_irc_test_alice:test.local", e -> e.path("content").path("body").asText()
        .equals(text), WAIT).path("event_id").asText();
    // The bridge records the message after the homeserver has it; a reaction needs the record.
    await().atMost(WAIT).until(() -> recorded(id));
    return id;
  }

  private boolean recorded(String eventId) throws Exception {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("bridge.db"));
        java.sql.PreparedStatement q = c.prepareStatement("SELECT 1 FROM message_map WHERE event_id = ?")) {
      q.setString(1, eventId);
      try (java.sql.ResultSet r = q.executeQuery()) {
        return r.next();
      }
    }
  }

  private void react(String eventId, String key) {
    ObjectNode content = JSON.createObjectNode();
    content.putObject("m.relates_to").put("rel_type", "m.annotation").put("event_id", eventId).put("key", key);
    bob.sendEvent(room, "m.reaction", content);
  }

  private static boolean isFromBob(String line, String command, String text) {
    return line.startsWith(":bob!") && IrcTestUser.command(line).equals(command) && line.endsWith(" :" + text);
  }

  @Test
  void reactionsAndRedactionsBecomeShortLinesFromThePuppet() throws Exception {
    start(n -> { });
    String hello = aliceSays("hello");

    react(hello, "👍");
    alice.awaitLine(l -> isFromBob(l, "PRIVMSG", "\u0001ACTION reacted 👍 to alice\u0001"), WAIT);

    String oops = bob.send(room, "oops");
    alice.awaitMessage("bob", "#room", "oops", WAIT);
    react(oops, "line\nbreak");
    alice.awaitLine(l -> isFromBob(l, "PRIVMSG", "\u0001ACTION reacted line break to their own message\u0001"), WAIT);
    bob.redact(room, oops, "typo");
    alice.awaitLine(l -> isFromBob(l, "NOTICE", "(deleted a message)"), WAIT);
  }

  @Test
  void mediaBecomesTheFileNameSizeAndTheBridgesLink() throws Exception {
    start(n -> { });
    ObjectNode image = JSON.createObjectNode().put("msgtype", "m.image").put("body", "cat photo.png")
        .put("url", "mxc://test.local/abc123");
    image.putObject("info").put("size", 12_345).put("mimetype", "image/png");
    bob.sendEvent(room, "m.room.message", image);

    String links = Pattern.quote(bridge.get().mediaUrl()) + "/media/[A-Za-z0-9_-]+/";
    alice.awaitLine(l -> l.matches(":bob!\\S+ PRIVMSG #room :cat photo\\.png \\(12 KiB\\) " + links
        + "cat%20photo\\.png"), WAIT);

    ObjectNode captioned = JSON.createObjectNode().put("msgtype", "m.file").put("body", "the report")
        .put("filename", "report.pdf").put("url", "mxc://test.local/def456");
    bob.sendEvent(room, "m.room.message", captioned);
    alice.awaitMessage("bob", "#room", "the report", WAIT);
    List<String> fromBob = alice.messagesTo("#room").stream().filter(m -> m.startsWith("bob: ")).toList();
    assertThat(fromBob.get(fromBob.size() - 2)).matches("bob: report\\.pdf " + links + "report\\.pdf");
    assertThat(fromBob.get(fromBob.size() - 1)).isEqualTo("bob: the report");
  }

  @Test
  void reactionsAndRedactionsCanBeTurnedOff() throws Exception {
    start(n -> n.put("reactions", "off").put("redactions", "off"));
    String hello = aliceSays("hello");
    String mine = bob.send(room, "mine");
    alice.awaitMessage("bob", "#room", "mine", WAIT);

    react(hello, "👍");
    bob.redact(room, mine, "");
    bob.send(room, "last");

    alice.awaitMessage("bob", "#room", "last", WAIT);
    assertThat(alice.lines()).noneMatch(l -> l.contains("reacted") || l.contains("deleted"));
  }
}
