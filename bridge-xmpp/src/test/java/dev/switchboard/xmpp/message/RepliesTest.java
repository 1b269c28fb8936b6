package dev.switchboard.xmpp.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.junit.jupiter.api.Test;

/** XEP-0461 replies and their XEP-0428 fallback quotes. */
class RepliesTest {
  /** A reply whose fallback range is {@code [start, end)} of the body. */
  private static Message reply(String body, int start, int end) {
    return StanzaBuilder.buildMessage("m1").ofType(Message.Type.groupchat).setBody(body)
        .addExtension(Replies.element("orig-1", Optional.of("room@muc.example/dave")))
        .addExtension(StandardExtensionElement.builder("fallback", Replies.FALLBACK_NAMESPACE)
            .addAttribute("for", Replies.NAMESPACE)
            .addElement(StandardExtensionElement.builder("body", Replies.FALLBACK_NAMESPACE)
                .addAttribute("start", Integer.toString(start)).addAttribute("end", Integer.toString(end)).build())
            .build())
        .build();
  }

  @Test
  void theReplyNamesItsTargetAndTheQuoteIsCutOffByCodePoints() {
    String quote = "> dave[irc]: 🍵 tea?\n";
    Message m = reply(quote + "me please", 0, quote.codePointCount(0, quote.length()));

    assertThat(Replies.of(m)).contains(new Replies.Reply("orig-1", Optional.of("room@muc.example/dave")));
    assertThat(Replies.withoutFallback(m, m.getBody())).isEqualTo("me please");
  }

  @Test
  void aBadRangeLeavesTheBodyAsItIs() {
    Message m = reply("short", 0, 99);

    assertThat(Replies.withoutFallback(m, "short")).isEqualTo("short");
  }

  @Test
  void theQuoteNamesTheAuthorAndShowsTheFirstLineShortened() {
    assertThat(Replies.quote("carol", Optional.of("anyone for lunch?\nsecond line")))
        .isEqualTo("> carol: anyone for lunch?\n");
    assertThat(Replies.quote("carol", Optional.of("x".repeat(100)))).hasSize("> carol: ".length() + 80 + 2);
    assertThat(Replies.quote("someone", Optional.empty())).isEqualTo("> someone\n");
  }

  @Test
  void matrixsOwnFallbackWithItsRawIdsIsRemoved() {
    String body = "> <@alice:example.org> anyone for lunch?\n> more\n\ncount me in";

    assertThat(Replies.withoutMatrixFallback(body)).isEqualTo("count me in");
    assertThat(Replies.quotedInMatrixFallback(body)).contains("anyone for lunch?");
    assertThat(Replies.withoutMatrixFallback("no quote here")).isEqualTo("no quote here");
  }
}
