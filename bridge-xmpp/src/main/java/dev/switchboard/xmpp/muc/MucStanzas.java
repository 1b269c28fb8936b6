package dev.switchboard.xmpp.muc;

import dev.switchboard.core.id.EventId;
import dev.switchboard.xmpp.message.Fallback;
import dev.switchboard.xmpp.message.Retraction;
import dev.switchboard.xmpp.stanza.XmlText;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Date;
import java.util.HexFormat;
import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jivesoftware.smackx.muc.packet.MUCInitialPresence;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.FullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.jxmpp.stringprep.XmppStringprepException;

/** The stanzas the bridge sends to MUCs, built with Smack's escaping builders from cleaned text. */
public final class MucStanzas {
  /** XEP-0359 unique and stable stanza ids. */
  public static final String SID_NS = "urn:xmpp:sid:0";

  private MucStanzas() {}

  /** A stanza id for a Matrix event: stable across retries, free of characters that need escaping. */
  public static String idFor(EventId event) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(event.value().getBytes(StandardCharsets.UTF_8));
      return "mx-" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** True for a presence error saying the nick is taken (XEP-0045 § 7.2.9). */
  static boolean isConflict(Presence presence) {
    return presence.getError() != null && presence.getError().getCondition() == StanzaError.Condition.conflict;
  }

  /** The occupant JID {@code room@service/nick}; empty when the nick is not a valid resource. */
  public static Optional<EntityFullJid> occupant(EntityBareJid muc, String nick) {
    try {
      return Optional.of(JidCreate.entityFullFrom(muc, Resourcepart.from(XmlText.clean(nick))));
    } catch (XmppStringprepException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * XEP-0045 § 7.2: join (or rejoin) as {@code occupant}. History is limited to what we have not seen: none on a
   * first join ({@code since} empty), everything since {@code since} after a reconnect.
   */
  public static Presence join(FullJid from, EntityFullJid occupant, Optional<Date> since) {
    MUCInitialPresence x = since.isPresent()
        ? new MUCInitialPresence(null, -1, -1, -1, since.get())
        : new MUCInitialPresence(null, -1, 0, -1, null);
    return StanzaBuilder.buildPresence().from(from).to(occupant).ofType(Presence.Type.available).addExtension(x)
        .build();
  }

  /** XEP-0045 § 7.6: change an occupant's nick (presence to the new occupant JID, no MUC element). */
  public static Presence changeNick(FullJid from, EntityFullJid newOccupant) {
    return StanzaBuilder.buildPresence().from(from).to(newOccupant).ofType(Presence.Type.available).build();
  }

  /** XEP-0045 § 7.14: leave the room. */
  public static Presence leave(FullJid from, EntityFullJid occupant) {
    return StanzaBuilder.buildPresence().from(from).to(occupant).ofType(Presence.Type.unavailable).build();
  }

  /**
   * A groupchat message with our id as both stanza id and XEP-0359 origin-id, so the reflection from the MUC is
   * recognisable as our own even where the MUC rewrites ids.
   */
  public static Message groupchat(FullJid from, EntityBareJid muc, String id, String body) {
    return StanzaBuilder.buildMessage(id).from(from).to(muc).ofType(Message.Type.groupchat)
        .setBody(XmlText.clean(body))
        .addExtension(StandardExtensionElement.builder("origin-id", SID_NS).addAttribute("id", id).build())
        .build();
  }

  /** XEP-0308: {@code body} replaces the message we sent as {@code replacedId}. */
  public static Message correction(FullJid from, EntityBareJid muc, String id, String body, String replacedId) {
    return StanzaBuilder.buildMessage(id).from(from).to(muc).ofType(Message.Type.groupchat)
        .setBody(XmlText.clean(body))
        .addExtension(new MessageCorrectExtension(replacedId))
        .addExtension(StandardExtensionElement.builder("origin-id", SID_NS).addAttribute("id", id).build())
        .build();
  }

  /** XEP-0424: retract the message with MUC stanza-id {@code targetId}, with a fallback body for older clients. */
  public static Message retraction(FullJid from, EntityBareJid muc, String id, String targetId) {
    return StanzaBuilder.buildMessage(id).from(from).to(muc).ofType(Message.Type.groupchat)
        .setBody("/me retracted a message, which your client does not support")
        .addExtension(new Retraction(targetId))
        .addExtension(Fallback.forFeature(Retraction.NAMESPACE))
        .addExtension(Fallback.store())
        .addExtension(StandardExtensionElement.builder("origin-id", SID_NS).addAttribute("id", id).build())
        .build();
  }

  /** XEP-0045 § 8.1: change the subject. */
  public static Message subject(FullJid from, EntityBareJid muc, String id, String subject) {
    return StanzaBuilder.buildMessage(id).from(from).to(muc).ofType(Message.Type.groupchat)
        .setSubject(XmlText.clean(subject)).build();
  }

  /** The MUC's own XEP-0359 stanza-id of a message ({@code by} the room), if it stamped one. */
  public static Optional<String> stanzaIdBy(Message message, EntityBareJid muc) {
    return message.getExtensions("stanza-id", SID_NS).stream()
        .filter(e -> e instanceof StandardExtensionElement)
        .map(e -> (StandardExtensionElement) e)
        .filter(e -> muc.toString().equals(e.getAttributeValue("by")))
        .map(e -> e.getAttributeValue("id"))
        .filter(id -> id != null && !id.isEmpty())
        .findFirst();
  }

  /** The XEP-0359 origin-id of a message, if any. */
  public static Optional<String> originId(Message message) {
    return message.getExtensions("origin-id", SID_NS).stream()
        .filter(e -> e instanceof StandardExtensionElement)
        .map(e -> ((StandardExtensionElement) e).getAttributeValue("id"))
        .filter(id -> id != null && !id.isEmpty())
        .findFirst();
  }
}
