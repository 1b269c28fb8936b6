package dev.switchboard.irc.message;

import dev.switchboard.irc.IrcBridgeHarness;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.fixture.HomeserverFixture;
import dev.switchboard.testkit.fixture.IrcServerFixture;
import dev.switchboard.testkit.homeserver.Options;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.testkit.irc.IrcTestUser;
import dev.switchboard.testkit.irc.NgircdServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages end to end (testkit homeserver, core, connector, ngircd): formatting both ways, mentions, replies, edits
 * and long messages; against a current homeserver here and a legacy one in {@link IrcMessagesLegacyFlowTest}.
 */
class IrcMessagesFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String ALIAS = "#_irc_test_#room:test.local";
  private static final String ALICE_GHOST = "@_irc_test_alice:test.local";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Whether the homeserver speaks only the older (r0-era) API. */
  boolean legacy() {
    return false;
  }

  @TempDir
  Path dir;
  @RegisterExtension
  final IrcServerFixture<NgircdServer> ircd = IrcServerFixture.ngircd();
  @RegisterExtension
  final HomeserverFixture hs = HomeserverFixture.start(() -> legacy()
      // Before Matrix 1.11 there is no authenticated media API: the bridge falls back to the v3 download path.
      ? IrcBridgeHarness.homeserverOptions().legacy(true).media(Options.Media.defaults().authenticatedApi(false))
      : IrcBridgeHarness.homeserverOptions());
  @RegisterExtension
  final Fixture<IrcBridgeHarness> bridge = Fixture.of(() -> new IrcBridgeHarness(hs.get(), dir,
      ircd.get().host(), ircd.get().port()));
  private IrcTestUser alice;
  private TestUser bob;
  private String room;

  @BeforeEach
  void start() throws Exception {
    alice = IrcTestUser.connect(ircd.get(), "alice");
    alice.join("#room");
    bob = hs.get().user("bob");
    room = bob.join(ALIAS);
    alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" JOIN "), WAIT);
    // The portal wakes (its bot joins the channel) on bob's join, racing his puppet's JOIN: wait for both.
    alice.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" JOIN "), WAIT);
  }

  @AfterEach
  void stop() {
    alice.close();
  }

  private static ObjectNode html(String body, String html) {
    return JSON.createObjectNode().put("msgtype", "m.text").put("body", body)
        .put("format", "org.matrix.custom.html").put("formatted_body", html);
  }

  private String lineFromBob(String textPrefix) {
    return alice.awaitLine(l -> l.startsWith(":bob!") && l.contains(" PRIVMSG #room :" + textPrefix), WAIT);
  }

  private static String text(String line) {
    return line.substring(line.indexOf(" :", line.indexOf(" PRIVMSG ")) + 2);
  }

  @Test
  void formattingCrossesBothWaysWithAPlainBodyAlwaysSet() throws Exception {
    alice.say("#room", "\u0002bold\u0002 and \u000304red\u000F <tag>");

    JsonNode event = hs.get().awaitEvent(room, ALICE_GHOST, e -> e.path("content").path("body").asText()
        .equals("bold and red <tag>"), WAIT);
    assertThat(event.path("content").path("format").asText()).isEqualTo("org.matrix.custom.html");
    assertThat(event.path("content").path("formatted_body").asText())
        .isEqualTo("<strong>bold</strong> and <font data-mx-color=\"#ff0000\">red</font> &lt;tag&gt;");

    bob.sendEvent(room, "m.room.message", html("alice: hi there",
        "<a href=\"https://matrix.to/#/@_irc_test_alice:test.local\">alice</a>: <strong>hi</strong> "
            + "<em>there</em><script>alert(1)</script>"));

    String line = lineFromBob("alice: ");
    assertThat(text(line)).isEqualTo("alice: \u0002hi\u0002 \u001Dthere");
    hs.get().assertNoSchemaViolations();
  }

  /**
   * With the homeserver slow (as a loaded Synapse), lines said while the room is behind arrive as one event, in order,
   * formatting kept; a Matrix reply to that event names their author.
   */
  @Test
  void linesSaidWhileTheRoomIsBehindArriveAsOneEventThatRepliesCanName() throws Exception {
    alice.say("#room", "first");
    hs.get().awaitEvent(room, ALICE_GHOST, e -> e.path("content").path("body").asText().equals("first"), WAIT);
    hs.get().faults().next(3).matching("/send/m\\.room\\.message/").delay(java.time.Duration.ofMillis(500));

    alice.say("#room", "one");
    Thread.sleep(150); // "one" is in flight: the room is behind while the next two arrive
    alice.say("#room", "\u0002two\u0002 <b>");
    alice.say("#room", "three");

    hs.get().awaitEvent(room, ALICE_GHOST, e -> e.path("content").path("body").asText().equals("one"), WAIT);
    JsonNode merged = hs.get().awaitEvent(room, ALICE_GHOST, e -> e.path("content").path("body").asText()
        .equals("two <b>\nthree"), WAIT);
    assertThat(merged.path("content").path("formatted_body").asText())
        .isEqualTo("<strong>two</strong> &lt;b&gt;<br>three");
    Thread.sleep(300); // the message map rows are written just after the event is sent
    ObjectNode reply = JSON.createObjectNode().put("msgtype", "m.text").put("body", "agreed");
    reply.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", merged.path("event_id").asText());
    bob.sendEvent(room, "m.room.message", reply);
    assertThat(text(lineFromBob("alice: "))).isEqualTo("alice: agreed");
    hs.get().assertNoSchemaViolations();
  }

  @Test
  void anIrcUserNamingAMatrixUsersPuppetMentionsThem() throws Exception {
    alice.say("#room", "bob: are you there?");

    JsonNode event = hs.get().awaitEvent(room, ALICE_GHOST, e -> e.path("content").path("body").asText()
        .equals("bob: are you there?"), WAIT);
    assertThat(event.path("content").path("formatted_body").asText())
        .isEqualTo("<a href=\"https://matrix.to/#/@bob:test.local\">bob</a>: are you there?");
    assertThat(event.path("content").path("m.mentions").path("user_ids").get(0).asText()).isEqualTo("@bob:test.local");
    hs.get().assertNoSchemaViolations();
  }

  @Test
  void aReplyNamesTheIrcAuthorAndAnEditIsSentAsACorrection() throws Exception {
    alice.say("#room", "anyone here?");
    JsonNode question = hs.get().awaitEvent(room, ALICE_GHOST,
        e -> e.path("content").path("body").asText().equals("anyone here?"), WAIT);
    Thread.sleep(300); // the message map row is written just after the event is sent

    ObjectNode reply = JSON.createObjectNode().put("msgtype", "m.text")
        .put("body", "> <@_irc_test_alice:test.local> anyone here?\n\nyes, me");
    reply.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", question.path("event_id").asText());
    bob.sendEvent(room, "m.room.message", reply);

    assertThat(text(lineFromBob("alice: "))).isEqualTo("alice: yes, me");

    String typo = bob.send(room, "helo world");
    lineFromBob("helo world");
    ObjectNode edit = JSON.createObjectNode().put("msgtype", "m.text").put("body", "* hello world");
    edit.putObject("m.new_content").put("msgtype", "m.text").put("body", "hello world");
    edit.putObject("m.relates_to").put("rel_type", "m.replace").put("event_id", typo);
    bob.sendEvent(room, "m.room.message", edit);

    assertThat(text(lineFromBob("* "))).isEqualTo("* hello world");

    // A Matrix user replying to another Matrix user's message names that user's puppet.
    ObjectNode replyToBob = JSON.createObjectNode().put("msgtype", "m.text").put("body", "self-reply");
    replyToBob.putObject("m.relates_to").putObject("m.in_reply_to").put("event_id", typo);
    Thread.sleep(300);
    bob.sendEvent(room, "m.room.message", replyToBob);
    assertThat(text(lineFromBob("bob: "))).isEqualTo("bob: self-reply");
    List<String> fromBob = alice.messagesTo("#room").stream().filter(m -> m.startsWith("bob: ")).toList();
    assertThat(fromBob).containsExactly("bob: alice: yes, me", "bob: helo world", "bob: * hello world",
        "bob: bob: self-reply");
  }

  @Test
  void aMessageOverTheLineLimitBecomesAPreviewAndTheBridgesLinkToTheWholeText() throws Exception {
    String longText = "The quick brown fox. ".repeat(250).substring(0, 5_000);

    bob.send(room, longText);

    String line = lineFromBob("The quick brown fox.");
    Matcher link = Pattern.compile("… \\((\\d+) lines: (\\S+)\\)$").matcher(text(line));
    assertThat(link.find()).as(line).isTrue();
    // The bridge's own link, which says nothing about the room; the homeserver serves it to the bridge only.
    assertThat(link.group(2)).startsWith(bridge.get().mediaUrl() + "/media/").endsWith("/message.txt")
        .doesNotContain(room);
    HttpResponse<byte[]> download = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(link.group(2))).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.body()).hasSize(5_000).isEqualTo(longText.getBytes(StandardCharsets.UTF_8));
    assertThat(download.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/plain"));
    Thread.sleep(1_000);
    assertThat(alice.messagesTo("#room")).filteredOn(m -> m.startsWith("bob: ")).hasSize(1);
  }
}
