package dev.switchboard.xmpp.gateway;

import dev.switchboard.xmpp.muc.MucStanzas;
import dev.switchboard.xmpp.stanza.XmlText;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.PresenceBuilder;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.muc.MUCAffiliation;
import org.jivesoftware.smackx.muc.MUCRole;
import org.jivesoftware.smackx.muc.packet.MUCInitialPresence;
import org.jivesoftware.smackx.muc.packet.MUCItem;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * The stanzas a gateway room sends to its XMPP occupants (XEP-0045 from the service's side), built with Smack's
 * escaping builders from cleaned text.
 */
final class GatewayStanzas {
  private GatewayStanzas() {}

  /**
   * An occupant's presence as another occupant sees it ({@code self} false) or as the occupant sees its own (status
   * 110), as a participant.
   */
  static Presence available(EntityFullJid occupant, Jid to, boolean self) {
    return available(occupant, to, self, PowerLevelRoles.PARTICIPANT);
  }

  /** {@link #available(EntityFullJid, Jid, boolean)} with the affiliation and role of the member's power level. */
  static Presence available(EntityFullJid occupant, Jid to, boolean self, PowerLevelRoles standing) {
    MUCUser x = new MUCUser();
    x.setItem(new MUCItem(standing.affiliation(), standing.role(), null, null, null, null, null));
    if (self) {
      x.addStatusCode(MUCUser.Status.PRESENCE_TO_SELF_110);
    }
    return StanzaBuilder.buildPresence().from(occupant).to(to).ofType(Presence.Type.available).addExtension(x)
        .build();
  }

  /**
   * An occupant leaves; with {@code statuses} 303 (nick change, {@code newNick} set), 307 (kicked) or 301 (banned),
   * and the moderator's {@code reason}.
   */
  static Presence unavailable(EntityFullJid occupant, Jid to, boolean self, List<MUCUser.Status> statuses,
      Optional<String> newNick, Optional<String> reason) {
    MUCUser x = new MUCUser();
    Resourcepart nick = newNick.flatMap(GatewayStanzas::nick).orElse(null);
    MUCAffiliation affiliation = statuses.contains(MUCUser.Status.BANNED_301) ? MUCAffiliation.outcast
        : MUCAffiliation.none;
    x.setItem(new MUCItem(affiliation, MUCRole.none, null, reason.map(XmlText::clean).orElse(null), null, nick,
        null));
    statuses.forEach(x::addStatusCode);
    if (self) {
      x.addStatusCode(MUCUser.Status.PRESENCE_TO_SELF_110);
    }
    PresenceBuilder b = StanzaBuilder.buildPresence().from(occupant).to(to).ofType(Presence.Type.unavailable);
    return b.addExtension(x).build();
  }

  /** A join that failed: the presence comes back as an error (XEP-0045 § 7.2.6 – 7.2.9). */
  static Presence joinError(Presence join, StanzaError.Condition condition, String text) {
    return StanzaBuilder.buildPresence(join.getStanzaId()).from(join.getTo()).to(join.getFrom())
        .ofType(Presence.Type.error)
        .setError(StanzaError.getBuilder(condition).setDescriptiveEnText(text).build())
        .build();
  }

  /** A message bounced back with an error. */
  static Message messageError(Message message, StanzaError.Condition condition, String text) {
    return StanzaBuilder.buildMessage(message.getStanzaId()).from(message.getTo()).to(message.getFrom())
        .ofType(Message.Type.error)
        .setError(StanzaError.getBuilder(condition).setDescriptiveEnText(text).build())
        .build();
  }

  /**
   * A groupchat message from {@code occupant} to one occupant. {@code stanzaId} is the room's XEP-0359 id (the Matrix
   * event id), so clients can refer to it in corrections, retractions and MAM; {@code delay} marks history.
   */
  static Message groupchat(EntityFullJid occupant, Jid to, String id, String body, EntityBareJid room,
      Optional<String> stanzaId, Optional<Date> delay, List<ExtensionElement> extra) {
    MessageBuilder b = StanzaBuilder.buildMessage(id).from(occupant).to(to).ofType(Message.Type.groupchat)
        .setBody(XmlText.clean(body));
    stanzaId.ifPresent(sid -> b.addExtension(StandardExtensionElement.builder("stanza-id", MucStanzas.SID_NS)
        .addAttribute("id", sid).addAttribute("by", room.toString()).build()));
    delay.ifPresent(d -> b.addExtension(new DelayInformation(d, room.toString(), null)));
    extra.forEach(b::addExtension);
    return b.build();
  }

  /** The room subject (XEP-0045 § 7.2.15: the last stanza of the join sequence, empty when there is none). */
  static Message subject(EntityBareJid room, Jid to, String id, String subject) {
    return StanzaBuilder.buildMessage(id).from(room).to(to).ofType(Message.Type.groupchat)
        .setSubject(XmlText.clean(subject)).build();
  }

  /** A nick as a resourcepart; empty when it cannot be one. */
  static Optional<Resourcepart> nick(String nick) {
    try {
      return Optional.of(Resourcepart.from(XmlText.clean(nick)));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** True when the presence carries the MUC join element ({@code <x xmlns='http://jabber.org/protocol/muc'/>}). */
  static boolean isJoin(Stanza presence) {
    return presence.getExtension(MUCInitialPresence.QNAME) != null;
  }

  /** {@code <history maxstanzas='n'/>} of a join, whichever way the parser read the MUC element. */
  static OptionalInt maxStanzas(Stanza presence) {
    ExtensionElement x = presence.getExtension(MUCInitialPresence.QNAME);
    if (x instanceof MUCInitialPresence initial && initial.getHistory() != null) {
      int max = initial.getHistory().getMaxStanzas();
      return max >= 0 ? OptionalInt.of(max) : OptionalInt.empty();
    }
    if (x instanceof StandardExtensionElement std) {
      StandardExtensionElement history = std.getFirstElement("history");
      if (history != null && history.getAttributeValue("maxstanzas") != null) {
        try {
          return OptionalInt.of(Integer.parseInt(history.getAttributeValue("maxstanzas")));
        } catch (NumberFormatException e) {
          return OptionalInt.empty();
        }
      }
    }
    return OptionalInt.empty();
  }
}
