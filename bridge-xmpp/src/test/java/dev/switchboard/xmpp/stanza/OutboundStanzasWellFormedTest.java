package dev.switchboard.xmpp.stanza;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.format.MatrixHtml;
import dev.switchboard.xmpp.media.XmppMediaLinks;
import dev.switchboard.xmpp.message.Replies;
import dev.switchboard.xmpp.muc.MucStanzas;
import dev.switchboard.xmpp.vcard.MatrixVCards;
import java.util.Optional;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smackx.vcardtemp.packet.VCard;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * Property: whatever Unicode a Matrix user sends (controls, lone surrogates, U+FFFF, markup and entity look-alikes),
 * every stanza the bridge builds from it is well-formed XML 1.0 for a strict parser, and keeps all the text XML
 * allows. One stanza that is not would make Prosody close the component stream for every user.
 */
class OutboundStanzasWellFormedTest {
  private static final int RUNS = 2_000;
  private static final EntityBareJid MUC = JidCreate.entityBareFromOrThrowUnchecked("room@conference.localhost");
  private static final EntityFullJid FROM =
      JidCreate.entityFullFromOrThrowUnchecked("alice=40example.org@matrix.localhost/matrix");

  @Test
  void messageBodiesSubjectsAndCorrectionsParseAndKeepTheAllowedText() throws Exception {
    ArbitraryText text = new ArbitraryText(15);
    for (int i = 0; i < RUNS; i++) {
      String s = text.next(12);
      Element body = firstChild(wellFormed(MucStanzas.groupchat(FROM, MUC, "id" + i, s)), "body");
      assertThat(body.getTextContent()).as("body of %s", escaped(s)).isEqualTo(expected(s));
      wellFormed(MucStanzas.correction(FROM, MUC, "id" + i, s, "old" + i));
      Element subject = firstChild(wellFormed(MucStanzas.subject(FROM, MUC, "id" + i, s)), "subject");
      assertThat(subject.getTextContent()).isEqualTo(expected(s));
    }
  }

  @Test
  void xhtmlImFromAnyFormattedBodyParses() throws Exception {
    ArbitraryText text = new ArbitraryText(16);
    for (int i = 0; i < RUNS; i++) {
      ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", "m.text").put("body", text.next(4))
          .put("format", "org.matrix.custom.html").put("formatted_body", text.nextHtml());
      String quote = Replies.quote(text.next(3), Optional.of(text.next(6)));
      for (String q : new String[] {"", quote}) {
        Optional<MatrixHtml.Rendered> rendered = MatrixHtml.render(content, i % 2 == 0 ? "/me " : "", q);
        if (rendered.isPresent()) {
          Message m = MucStanzas.groupchat(FROM, MUC, "id" + i, q + rendered.get().body());
          rendered.get().addTo(m);
          wellFormed(m);
        }
      }
    }
  }

  @Test
  void nicksInOccupantAddressesParse() throws Exception {
    ArbitraryText text = new ArbitraryText(17);
    int valid = 0;
    for (int i = 0; i < RUNS; i++) {
      Optional<EntityFullJid> occupant = MucStanzas.occupant(MUC, text.next(8));
      if (occupant.isPresent()) {
        valid++;
        wellFormed(MucStanzas.join(FROM, occupant.get(), Optional.empty()));
        wellFormed(MucStanzas.changeNick(FROM, occupant.get()));
        wellFormed(MucStanzas.leave(FROM, occupant.get()));
      }
    }
    assertThat(valid).as("nicks that make an occupant address").isGreaterThan(RUNS / 4);
  }

  @Test
  void vCardsAndOutOfBandLinksParse() throws Exception {
    ArbitraryText text = new ArbitraryText(18);
    IQ request = new VCard();
    request.setStanzaId("v1");
    request.setFrom(JidCreate.fromOrThrowUnchecked("bob@localhost/phone"));
    request.setTo(JidCreate.fromOrThrowUnchecked("alice=40example.org@matrix.localhost"));
    for (int i = 0; i < RUNS; i++) {
      String name = text.next(10);
      Element card = wellFormed(MatrixVCards.card(request, UserId.of("@alice:example.org"), name));
      assertThat(card.getTextContent()).doesNotContain("\u0000", "\u0001", "\uFFFF");
      Message m = MucStanzas.groupchat(FROM, MUC, "id" + i, "file");
      wellFormed(XmppMediaLinks.withOob(m, Optional.of(new XmppMediaLinks.Link("https://hs.example/" + text.next(5),
          text.next(8)))));
    }
  }

  static Element wellFormed(Stanza stanza) throws Exception {
    String xml = StanzaCodec.toXml(stanza);
    assertThat(StanzaCodec.wellFormednessError(xml)).as("writer check of %s", escaped(xml)).isEmpty();
    try {
      return ArbitraryText.strictParse(xml);
    } catch (Exception e) {
      throw new AssertionError("not well-formed: " + escaped(xml), e);
    }
  }

  /** What survives: the text XML allows, with line ends normalised as every XML parser does (§ 2.11). */
  static String expected(String sent) {
    return XmlText.clean(sent).replace("\r\n", "\n").replace('\r', '\n');
  }

  private static Element firstChild(Element parent, String name) {
    return (Element) parent.getElementsByTagNameNS("*", name).item(0);
  }

  private static String escaped(String s) {
    return LogText.of(s);
  }
}
