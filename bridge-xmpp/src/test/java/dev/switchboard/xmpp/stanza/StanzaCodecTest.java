package dev.switchboard.xmpp.stanza;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.junit.jupiter.api.Test;

/** Component-stream stanzas to Smack objects and back. */
class StanzaCodecTest {

  @Test
  void aStanzaWithoutXmlnsFromTheComponentStreamParsesWithItsBody() throws Exception {
    Stanza stanza = StanzaCodec.parse("<message from='a@b/c' to='x@matrix.localhost' type='groupchat' id='1'>"
        + "<body>hi &amp; bye</body></message>");

    assertThat(stanza).isInstanceOf(Message.class);
    assertThat(((Message) stanza).getBody()).isEqualTo("hi & bye");
    assertThat(((Message) stanza).getType()).isEqualTo(Message.Type.groupchat);
  }

  @Test
  void mucPresenceCarriesItsStatusCodes() throws Exception {
    Presence p = (Presence) StanzaCodec.parse("<presence from='r@conf/nick' to='u@matrix.localhost/x'>"
        + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/>"
        + "<status code='110'/></x></presence>");

    assertThat(MUCUser.from(p).getStatus()).contains(MUCUser.Status.PRESENCE_TO_SELF_110);
  }

  @Test
  void serialisedStanzasHaveNoStanzaNamespaceAndEscapeText() throws Exception {
    String xml = StanzaCodec.toXml(StanzaBuilder.buildMessage("m1").to("r@conf").ofType(Message.Type.groupchat)
        .setBody("<b>&'\"").build());

    assertThat(xml).startsWith("<message to='r@conf' id='m1' type='groupchat'>").doesNotContain("xmlns='jabber");
    assertThat(xml).contains("<body>&lt;b>&amp;'\"</body>");
  }

  @Test
  void whatIsNotAReadableStanzaIsRejected() {
    assertThatThrownBy(() -> StanzaCodec.parse("<message><body>x</message>"))
        .isInstanceOf(StanzaCodec.MalformedStanzaException.class);
    assertThatThrownBy(() -> StanzaCodec.parse("<foo:bar/>"))
        .isInstanceOf(StanzaCodec.MalformedStanzaException.class);
    assertThatThrownBy(() -> StanzaCodec.parse("<message type='nonsense'/>"))
        .isInstanceOf(StanzaCodec.MalformedStanzaException.class);
    assertThatThrownBy(() -> StanzaCodec.parse("<handshake/>"))
        .isInstanceOf(StanzaCodec.MalformedStanzaException.class);
  }
}
