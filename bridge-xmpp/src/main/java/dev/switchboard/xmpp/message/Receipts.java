package dev.switchboard.xmpp.message;

import dev.switchboard.xmpp.stanza.StanzaIds;
import java.util.Optional;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.receipts.DeliveryReceipt;
import org.jivesoftware.smackx.receipts.DeliveryReceiptRequest;

/**
 * XEP-0184 message delivery receipts, for one-to-one messages only: § 5.4 advises against them in groupchat, where
 * the room's reflection of a message is its confirmation. The elements are read by name and namespace, whichever
 * class the stanza parser made of them; Smack's {@code DeliveryReceiptManager} is for client connections, not a
 * component.
 */
public final class Receipts {
  public static final String NAMESPACE = DeliveryReceipt.NAMESPACE;

  private Receipts() {}

  /** True when {@code message} asks for a receipt and can have one (§ 5.2: it has an id; never for errors). */
  public static boolean requested(Message message) {
    return message.hasExtension(DeliveryReceiptRequest.ELEMENT, NAMESPACE) && message.getStanzaId() != null
        && message.getType() != Message.Type.groupchat && message.getType() != Message.Type.error;
  }

  /** The receipt for {@code request}: from its addressee back to its sender, naming its id (§ 5.3). */
  public static Message receiptFor(Message request) {
    return StanzaBuilder.buildMessage("rcpt-" + StanzaIds.of(request.getStanzaId())).from(request.getTo())
        .to(request.getFrom()).ofType(request.getType()).addExtension(new DeliveryReceipt(request.getStanzaId()))
        .build();
  }

  /** The id of the message a {@code <received/>} in {@code message} confirms, if it carries one. */
  public static Optional<String> receivedId(Message message) {
    ExtensionElement e = message.getExtensionElement(DeliveryReceipt.ELEMENT, NAMESPACE);
    String id = e instanceof DeliveryReceipt r ? r.getId()
        : e instanceof StandardExtensionElement s ? s.getAttributeValue("id") : null;
    return Optional.ofNullable(id).filter(i -> !i.isEmpty());
  }

  /** The {@code <request/>} element for a message we send. */
  public static ExtensionElement request() {
    return new DeliveryReceiptRequest();
  }
}
