package dev.switchboard.xmpp.stanza;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.xmpp.media.XmppMediaLinks;
import org.jivesoftware.smack.packet.Message;
import org.junit.jupiter.api.Test;

/** Remote strings in logs: one line each, nothing invisible. */
class LogTextTest {

  @Test
  void anOobUrlWithAnEncodedNewlineStaysOnOneVisibleLine() throws Exception {
    Message m = (Message) StanzaCodec.parse("<message from='r@conf/bob' to='l@matrix.localhost' type='groupchat'>"
        + "<body>x</body><x xmlns='jabber:x:oob'><url>https://e.org/a&#10;12:00 ERROR forged&#13;&#x2028;z</url></x>"
        + "</message>");
    String url = XmppMediaLinks.oobUrl(m).orElseThrow();
    assertThat(url).contains("\n");

    assertThat(LogText.of(url)).isEqualTo("https://e.org/a\\n12:00 ERROR forged\\r\\u2028z");
  }

  @Test
  void controlsLoneSurrogatesAndBackslashesAreVisibleAndLongTextIsCut() {
    assertThat(LogText.of("a\u0001b\u009bc\uD800d\\e\u202Ef")).isEqualTo("a\\u0001b\\u009bc\\ud800d\\\\e\\u202ef");
    assertThat(LogText.of("plain \uD83D\uDE00")).isEqualTo("plain \uD83D\uDE00");
    assertThat(LogText.of(null)).isEqualTo("null");
    assertThat(LogText.of("x".repeat(1000))).hasSize(303).endsWith("...");
  }
}
