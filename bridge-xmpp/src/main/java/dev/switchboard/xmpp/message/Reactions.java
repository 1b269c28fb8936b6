package dev.switchboard.xmpp.message;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.id.EventId;
import dev.switchboard.xmpp.stanza.XmlText;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.xml.namespace.QName;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.util.XmlStringBuilder;

/**
 * XEP-0444 reactions, {@code <reactions xmlns='urn:xmpp:reactions:0' id='...'><reaction>👍</reaction></reactions>}:
 * the sender's complete current set for the message {@code id} (in a MUC, the room's stanza-id). An empty set
 * withdraws every reaction. Smack 4.4 has no element for it.
 */
public record Reactions(String id, Set<String> reactions) implements ExtensionElement {
  public static final String ELEMENT = "reactions";
  public static final String NAMESPACE = "urn:xmpp:reactions:0";
  /** A reaction is one emoji, perhaps with modifiers: anything longer is not one (and not bridged). */
  static final int MAX_REACTION_CHARS = 32;

  public Reactions {
    reactions = Set.copyOf(new LinkedHashSet<>(reactions));
  }

  /** The content of the Matrix {@code m.reaction} event that stands for one reaction {@code key} to {@code target}. */
  public static ObjectNode annotation(EventId target, String key) {
    ObjectNode content = JsonNodeFactory.instance.objectNode();
    content.putObject("m.relates_to").put("rel_type", "m.annotation").put("event_id", target.value()).put("key", key);
    return content;
  }

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
    XmlStringBuilder xml = new XmlStringBuilder(this, enclosing).attribute("id", id).rightAngleBracket();
    for (String r : reactions) {
      xml.element("reaction", XmlText.clean(r)); // escaped by Smack
    }
    return xml.closeElement(this);
  }

  /** The reactions a message carries, if any; reactions that are empty or too long to be an emoji are dropped. */
  public static Optional<Reactions> from(Message message) {
    return message.getExtensions(ELEMENT, NAMESPACE).stream()
        .filter(StandardExtensionElement.class::isInstance)
        .map(e -> (StandardExtensionElement) e)
        .filter(e -> e.getAttributeValue("id") != null && !e.getAttributeValue("id").isEmpty())
        .findFirst()
        .map(e -> {
          Set<String> set = new LinkedHashSet<>();
          // An empty set (every reaction withdrawn) has no children: Smack answers null, not an empty list.
          List<StandardExtensionElement> children = e.getElements("reaction", NAMESPACE);
          for (StandardExtensionElement r : children == null ? List.<StandardExtensionElement>of() : children) {
            String text = r.getText() == null ? "" : r.getText().strip();
            if (!text.isEmpty() && text.length() <= MAX_REACTION_CHARS) {
              set.add(text);
            }
          }
          return new Reactions(e.getAttributeValue("id"), set);
        });
  }
}
