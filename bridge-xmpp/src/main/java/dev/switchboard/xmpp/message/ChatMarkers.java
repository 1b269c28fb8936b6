package dev.switchboard.xmpp.message;

import java.util.Optional;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.Stanza;

/**
 * XEP-0333 chat markers: {@code <displayed xmlns='urn:xmpp:chat-markers:0' id='...'/>} says the sender read up to
 * the message {@code id} (in a MUC, the room's stanza-id). Built as a plain element; Smack 4.4's are experimental.
 */
public final class ChatMarkers {
  public static final String NAMESPACE = "urn:xmpp:chat-markers:0";

  private ChatMarkers() {}

  public static ExtensionElement displayed(String id) {
    return StandardExtensionElement.builder("displayed", NAMESPACE).addAttribute("id", id).build();
  }

  /** The id a {@code displayed} marker points at, if the stanza carries one. */
  public static Optional<String> displayedId(Stanza stanza) {
    return stanza.getExtensions("displayed", NAMESPACE).stream()
        .filter(StandardExtensionElement.class::isInstance)
        .map(e -> ((StandardExtensionElement) e).getAttributeValue("id"))
        .filter(id -> id != null && !id.isEmpty())
        .findFirst();
  }
}
