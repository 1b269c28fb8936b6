package dev.switchboard.xmpp.message;

import java.util.Optional;
import javax.xml.namespace.QName;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.util.XmlStringBuilder;

/**
 * XEP-0424 message retraction, {@code <retract xmlns='urn:xmpp:message-retract:1' id='...'/>}; Smack 4.4 has no
 * element for it. In a MUC the id is the room's XEP-0359 stanza-id of the message.
 */
public record Retraction(String id) implements ExtensionElement {
  public static final String ELEMENT = "retract";
  public static final String NAMESPACE = "urn:xmpp:message-retract:1";
  /** Version 0 wrapped the retraction in an XEP-0422 fastening; older clients still send it. */
  static final String NAMESPACE_V0 = "urn:xmpp:message-retract:0";
  static final String FASTEN_NS = "urn:xmpp:fasten:0";

  @Override
  public String getElementName() {
    return ELEMENT;
  }

  @Override
  public String getNamespace() {
    return NAMESPACE;
  }

  @Override
  public QName getQName() {
    return new QName(NAMESPACE, ELEMENT);
  }

  @Override
  public CharSequence toXML(XmlEnvironment enclosing) {
    return new XmlStringBuilder(this, enclosing).attribute("id", id).closeEmptyElement();
  }

  /** The id of the message a stanza retracts: version 1, or version 0's {@code <apply-to>} fastening. */
  public static Optional<String> targetOf(Message message) {
    Optional<String> v1 = message.getExtensions(ELEMENT, NAMESPACE).stream()
        .filter(StandardExtensionElement.class::isInstance)
        .map(e -> ((StandardExtensionElement) e).getAttributeValue("id"))
        .filter(id -> id != null && !id.isEmpty())
        .findFirst();
    if (v1.isPresent()) {
      return v1;
    }
    return message.getExtensions("apply-to", FASTEN_NS).stream()
        .filter(StandardExtensionElement.class::isInstance)
        .map(e -> (StandardExtensionElement) e)
        .filter(e -> e.getFirstElement(ELEMENT, NAMESPACE_V0) != null)
        .map(e -> e.getAttributeValue("id"))
        .filter(id -> id != null && !id.isEmpty())
        .findFirst();
  }
}
