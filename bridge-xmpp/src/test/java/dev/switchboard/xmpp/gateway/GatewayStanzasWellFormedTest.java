package dev.switchboard.xmpp.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.xmpp.stanza.ArbitraryText;
import dev.switchboard.xmpp.stanza.LogText;
import dev.switchboard.xmpp.stanza.StanzaCodec;
import java.util.List;
import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.junit.jupiter.api.Test;

/** Property: gateway stanzas built from arbitrary Matrix text (nicks, reasons, subjects, bodies) always parse. */
class GatewayStanzasWellFormedTest {
  private static final EntityBareJid ROOM = JidCreate.entityBareFromOrThrowUnchecked("room=21x@matrix.localhost");
  private static final Jid TO = JidCreate.fromOrThrowUnchecked("bob@localhost/phone");

  @Test
  void nicksReasonsSubjectsAndErrorsFromAnyTextParse() throws Exception {
    ArbitraryText text = new ArbitraryText(19);
    Presence join = StanzaBuilder.buildPresence("j1").from(TO).to(JidCreate.fromOrThrowUnchecked(ROOM + "/bob"))
        .build();
    Message incoming = StanzaBuilder.buildMessage("m1").from(TO).to(ROOM).ofType(Message.Type.groupchat).build();
    for (int i = 0; i < 2_000; i++) {
      String nick = text.next(8);
      String other = text.next(10);
      Optional<Resourcepart> part = GatewayStanzas.nick(nick);
      if (part.isPresent()) {
        EntityFullJid occupant = JidCreate.entityFullFrom(ROOM, part.get());
        wellFormed(GatewayStanzas.available(occupant, TO, i % 2 == 0));
        wellFormed(GatewayStanzas.unavailable(occupant, TO, false, List.of(MUCUser.Status.NEW_NICKNAME_303),
            Optional.of(other), Optional.empty()));
        wellFormed(GatewayStanzas.unavailable(occupant, TO, false, List.of(MUCUser.Status.KICKED_307),
            Optional.empty(), Optional.of(other)));
        wellFormed(GatewayStanzas.groupchat(occupant, TO, "id" + i, other, ROOM, Optional.of("$e" + i),
            Optional.empty(), List.of()));
      }
      wellFormed(GatewayStanzas.subject(ROOM, TO, "s" + i, other));
      wellFormed(GatewayStanzas.joinError(join, StanzaError.Condition.forbidden, other));
      wellFormed(GatewayStanzas.messageError(incoming, StanzaError.Condition.not_acceptable, other));
    }
  }

  private static void wellFormed(Stanza stanza) throws Exception {
    String xml = StanzaCodec.toXml(stanza);
    assertThat(StanzaCodec.wellFormednessError(xml)).as(LogText.of(xml)).isEmpty();
    ArbitraryText.strictParse(xml);
  }
}
