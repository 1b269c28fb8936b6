package dev.switchboard.xmpp.message;

import org.jivesoftware.smack.packet.StandardExtensionElement;

/** XEP-0428 fallback indication and XEP-0334 hints, for bodies that only clients without a feature should show. */
public final class Fallback {
  private Fallback() {}

  /** {@code <fallback xmlns='urn:xmpp:fallback:0' for='...'/>}: the whole body is a fallback for {@code feature}. */
  public static StandardExtensionElement forFeature(String feature) {
    return StandardExtensionElement.builder("fallback", "urn:xmpp:fallback:0").addAttribute("for", feature).build();
  }

  /** {@code <store xmlns='urn:xmpp:hints'/>}: archive this though it may look like it has no content. */
  public static StandardExtensionElement store() {
    return StandardExtensionElement.builder("store", "urn:xmpp:hints").build();
  }
}
