package dev.switchboard.app;

import static dev.switchboard.app.HubFixture.CHANNEL;
import static dev.switchboard.app.HubFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.fixture.Fixture;
import java.nio.file.Path;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jxmpp.jid.impl.JidCreate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Matrix as the hub between IRC and XMPP (issue 9): one room linked to an ngircd channel and a Prosody MUC. Lines
 * cross once each way, under names that show their network, and never come back; corrections and replies keep
 * their meaning on the far side.
 */
class HubRoomTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<HubFixture> f = Fixture.of(() -> HubFixture.start(dir));

  /** dave's PRIVMSGs to the channel from {@code nick} with exactly {@code text}. */
  private long daveGot(String nick, String text) {
    return f.get().dave.messagesTo(CHANNEL).stream().filter((nick + ": " + text)::equals).count();
  }

  @Test
  void anIrcLineReachesTheMucOnceAsAnOccupantWithItsNetworkAndTheOtherWayRound() throws Exception {
    f.get().dave.say(CHANNEL, "hello from irc");
    f.get().carolSays("hello from xmpp");

    f.get().carolAwaits("dave[irc]", "hello from irc");
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "hello from xmpp", WAIT);
    // A later line in each direction: once it is through, any duplicate or echo of the first would be too.
    f.get().dave.say(CHANNEL, "second from irc");
    f.get().carolSays("second from xmpp");
    f.get().carolAwaits("dave[irc]", "second from irc");
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "second from xmpp", WAIT);

    assertThat(f.get().carolGotFrom("dave[irc]", "hello from irc")).hasSize(1);
    assertThat(daveGot("carol[xmpp]", "hello from xmpp")).isEqualTo(1);
    // No loops: nobody on either network sees their own words come back from the bridge ...
    assertThat(f.get().carolGot.stream().filter(m -> "hello from xmpp".equals(m.getBody()))
        .map(m -> m.getFrom().getResourceOrEmpty().toString())).containsExactly("carol"); // the MUC's own echo
    assertThat(f.get().dave.messagesTo(CHANNEL)).noneMatch(l -> l.endsWith(": hello from irc"));
    // ... and Matrix holds each line once, from the ghost of its author.
    assertThat(f.get().roomMessages("hello from irc")).singleElement()
        .satisfies(e -> assertThat(e.path("sender").asText()).startsWith("@_irc_test_dave"));
    assertThat(f.get().roomMessages("hello from xmpp")).singleElement()
        .satisfies(e -> assertThat(e.path("sender").asText()).startsWith("@_xmpp_"));
  }

  @Test
  void anXmppCorrectionArrivesOnIrcAsACorrection() throws Exception {
    String original = f.get().carolSays("the quick brwn fox");
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "the quick brwn fox", WAIT);

    Message fix = f.get().carol.getStanzaFactory().buildMessageStanza().to(JidCreate.entityBareFrom(HubFixture.MUC))
        .ofType(Message.Type.groupchat).setBody("the quick brown fox")
        .addExtension(new MessageCorrectExtension(original)).build();
    f.get().carol.sendStanza(fix);

    // Matrix: an edit of carol's event; IRC: the correction form (the new text marked with "* ").
    JsonNode first = f.get().roomMessages("the quick brwn fox").get(0);
    JsonNode edit = f.get().hs.awaitEvent(f.get().room, first.path("sender").asText(),
        e -> "m.replace".equals(e.path("content").path("m.relates_to").path("rel_type").asText()), WAIT);
    assertThat(edit.path("content").path("m.relates_to").path("event_id").asText())
        .isEqualTo(first.path("event_id").asText());
    assertThat(edit.path("content").path("m.new_content").path("body").asText()).isEqualTo("the quick brown fox");
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "* the quick brown fox", WAIT);
  }

  @Test
  void anXmppReplyToAnIrcLineKeepsItsTargetInMatrixAndOnIrc() throws Exception {
    f.get().dave.say(CHANNEL, "who wants tea?");
    Message question = f.get().carolAwaits("dave[irc]", "who wants tea?");
    String stanzaId = stanzaIdOf(question);

    String quote = "> dave[irc]: who wants tea?\n";
    Message answer = f.get().carol.getStanzaFactory().buildMessageStanza().to(JidCreate.entityBareFrom(HubFixture.MUC))
        .ofType(Message.Type.groupchat).setBody(quote + "me please")
        .addExtension(StandardExtensionElement.builder("reply", "urn:xmpp:reply:0")
            .addAttribute("to", HubFixture.MUC + "/dave[irc]").addAttribute("id", stanzaId).build())
        .addExtension(StandardExtensionElement.builder("fallback", "urn:xmpp:fallback:0")
            .addAttribute("for", "urn:xmpp:reply:0")
            .addElement(StandardExtensionElement.builder("body", "urn:xmpp:fallback:0")
                .addAttribute("start", "0").addAttribute("end", Integer.toString(quote.length())).build())
            .build())
        .build();
    f.get().carol.sendStanza(answer);

    // Matrix: a reply to dave's event, without the XMPP quote; IRC: the usual "nick: text" to its author.
    JsonNode daveEvent = f.get().roomMessages("who wants tea?").get(0);
    await().atMost(WAIT).until(() -> !f.get().roomMessages("me please").isEmpty());
    assertThat(f.get().roomMessages("me please").get(0).path("content").path("m.relates_to").path("m.in_reply_to")
        .path("event_id").asText()).isEqualTo(daveEvent.path("event_id").asText());
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "dave: me please", WAIT);
  }

  @Test
  void anIrcReplyToAnXmppLineBecomesAMatrixReplyAndAnXep0461ReplyWithACleanQuote() throws Exception {
    f.get().carolSays("anyone for lunch?");
    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "anyone for lunch?", WAIT);
    Message carolsOwn = f.get().carolAwaits("carol", "anyone for lunch?"); // her message as the MUC reflected it

    f.get().dave.say(CHANNEL, "carol[xmpp]: count me in");

    JsonNode carolEvent = f.get().roomMessages("anyone for lunch?").get(0);
    await().atMost(WAIT).until(() -> !f.get().roomMessages("carol[xmpp]: count me in").isEmpty());
    assertThat(f.get().roomMessages("carol[xmpp]: count me in").get(0).path("content").path("m.relates_to")
        .path("m.in_reply_to").path("event_id").asText()).isEqualTo(carolEvent.path("event_id").asText());

    String body = "> carol: anyone for lunch?\ncarol[xmpp]: count me in";
    Message reply = f.get().carolAwaits("dave[irc]", body);
    StandardExtensionElement ref = (StandardExtensionElement) reply.getExtension("reply", "urn:xmpp:reply:0");
    assertThat(ref).as("XEP-0461 reply element").isNotNull();
    assertThat(ref.getAttributeValue("id")).isEqualTo(stanzaIdOf(carolsOwn));
    StandardExtensionElement fallback = (StandardExtensionElement) reply.getExtension("fallback",
        "urn:xmpp:fallback:0");
    assertThat(fallback.getAttributeValue("for")).isEqualTo("urn:xmpp:reply:0");
    assertThat(fallback.getFirstElement("body").getAttributeValue("end"))
        .isEqualTo(Integer.toString("> carol: anyone for lunch?\n".length()));
    assertThat(reply.getBody()).doesNotContain("@").doesNotContain(f.get().hs.serverName());
  }

  @Test
  void aTopicSetOnEitherNetworkReachesTheOtherThroughMatrix() throws Exception {
    // dave opened #hub, so he is its operator; he lets the bridge's bot set topics too (the channel is +t).
    f.get().dave.send("MODE " + CHANNEL + " +o switchboard");
    f.get().dave.send("TOPIC " + CHANNEL + " :tea at four");

    await().atMost(WAIT).until(() -> f.get().carolGot.stream().anyMatch(m -> "tea at four".equals(m.getSubject())));
    assertThat(f.get().hs.roomStateEvent(f.get().room, "m.room.topic", "").path("content").path("topic").asText())
        .isEqualTo("tea at four");

    f.get().carolInHub.changeSubject("tea at five");

    f.get().dave.awaitLine(l -> l.startsWith(":switchboard!") && l.contains(" TOPIC " + CHANNEL + " :tea at five"),
        WAIT);
    await().atMost(WAIT).until(() -> "tea at five".equals(
        f.get().hs.roomStateEvent(f.get().room, "m.room.topic", "").path("content").path("topic").asText()));
  }

  @Test
  void anotherNetworksLurkerGetsNoIrcConnectionUntilTheySpeak() throws Exception {
    // carol was in the MUC before the bridge came: her ghost is in the Matrix room ...
    await().atMost(WAIT).until(() -> f.get().hs.members(f.get().room).entrySet().stream()
        .anyMatch(e -> e.getKey().startsWith("@_xmpp_") && e.getValue().equals("join")));
    // ... and the IRC link has seen that join (a later event of the room went through it).
    f.get().alice.send(f.get().room, "anyone here?");
    f.get().dave.awaitMessage("alice", CHANNEL, "anyone here?", WAIT);
    assertThat(f.get().dave.lines()).noneMatch(l -> l.startsWith(":carol[xmpp]!"));

    f.get().carolSays("I am");

    f.get().dave.awaitMessage("carol[xmpp]", CHANNEL, "I am", WAIT);
    assertThat(f.get().dave.lines()).anyMatch(l -> l.startsWith(":carol[xmpp]!") && l.contains(" JOIN "));
  }

  /** The MUC's XEP-0359 stanza-id of a message, which replies refer to. */
  private static String stanzaIdOf(Message m) {
    return m.getExtensions("stanza-id", "urn:xmpp:sid:0").stream()
        .map(e -> new String[] {((StandardExtensionElement) e).getAttributeValue("by"),
            ((StandardExtensionElement) e).getAttributeValue("id")})
        .filter(e -> HubFixture.MUC.equals(e[0]))
        .map(e -> e[1]).findFirst()
        .orElseThrow(() -> new AssertionError("no stanza-id by the MUC on " + m.toXML()));
  }
}
