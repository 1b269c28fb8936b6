package dev.switchboard.xmpp.muc;

import static dev.switchboard.xmpp.MucFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.testkit.fixture.Fixture;
import dev.switchboard.testkit.homeserver.TestUser;
import dev.switchboard.xmpp.MucFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.xhtmlim.packet.XHTMLExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #15: one Matrix message with characters XML 1.0 forbids (in the body and in the HTML that becomes XHTML-IM)
 * once made Prosody answer not-well-formed and close the component stream, losing every stanza behind it. Now the
 * message arrives cleaned, the next one arrives too, and the stream never reconnects.
 */
class MucControlCharactersFlowTest {
  @TempDir
  Path dir;
  @RegisterExtension
  final Fixture<MucFixture> f = Fixture.of(() -> MucFixture.start(dir));

  private Optional<Message> bobGot(String body) {
    return f.get().bob.messages.stream().filter(m -> m.getType() == Message.Type.groupchat && body.equals(m.getBody()))
        .findFirst();
  }

  @Test
  void controlCharactersAreCleanedAndTheComponentStreamStaysUp() throws Exception {
    TestUser alice = f.get().hs.user("alice");
    String room = alice.join(f.get().alias());
    f.get().awaitMembership(room, f.get().ghostOf("bob"), "join");
    double reconnectsBefore = f.get().bridge.count("switchboard.xmpp.reconnects", "connection", "component");

    alice.sendEvent(room, "m.room.message", JsonNodeFactory.instance.objectNode().put("msgtype", "m.text")
        .put("body", "bell\u0001 and \uFFFF end ]]>").put("format", "org.matrix.custom.html")
        .put("formatted_body", "<b>bell\u0001</b> and &#1; \uFFFF <i>end</i> ]]&gt;"));
    alice.send(room, "the next one");

    await().atMost(WAIT).until(() -> bobGot("the next one").isPresent());
    Message cleaned = f.get().bob.messages.stream().filter(m -> m.getBody() != null && m.getBody().contains("bell"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the cleaned message did not arrive: " + f.get().bob.messages));
    assertThat(cleaned.getBody()).doesNotContain("\u0001", "\uFFFF").contains("*bell* and", "_end_ ]]>");
    XHTMLExtension xhtml = XHTMLExtension.from(cleaned);
    assertThat(xhtml).as("XHTML-IM body").isNotNull();
    assertThat(xhtml.getBodies().get(0).toString()).contains("bell").doesNotContain("\u0001", "\uFFFF", "&#1;");
    // Messages arrive in order: the cleaned one first.
    assertThat(f.get().bob.messages.indexOf(cleaned))
        .isLessThan(f.get().bob.messages.indexOf(bobGot("the next one").get()));
    await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() ->
        f.get().bridge.count("switchboard.xmpp.reconnects", "connection", "component") == reconnectsBefore);
  }
}
