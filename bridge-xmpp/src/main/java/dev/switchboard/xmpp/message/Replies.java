package dev.switchboard.xmpp.message;

import dev.switchboard.xmpp.stanza.XmlText;
import java.util.Optional;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;

/**
 * XEP-0461 message replies, {@code <reply xmlns='urn:xmpp:reply:0' to='occupant' id='...'/>}, with the XEP-0428
 * fallback that quotes the original for clients without replies ({@code <fallback for='urn:xmpp:reply:0'><body
 * start end/></fallback>}, positions in code points). Smack 4.4 has no element for either. The quote names the author
 * by display name or nick, never by Matrix id (matrix-bifrost leaked raw ids there).
 */
public final class Replies {
  public static final String NAMESPACE = "urn:xmpp:reply:0";
  public static final String FALLBACK_NAMESPACE = "urn:xmpp:fallback:0";
  /** Quotes longer than this are cut (with an ellipsis): the quote only reminds, the reply relation links. */
  private static final int QUOTE_MAX = 80;

  private Replies() {}

  /** What an incoming message replies to: the referenced id, and the author's occupant JID when given. */
  public record Reply(String id, Optional<String> to) {}

  /** The reply of a message, if it has a usable one. */
  public static Optional<Reply> of(Message message) {
    return message.getExtensions("reply", NAMESPACE).stream()
        .filter(StandardExtensionElement.class::isInstance)
        .map(e -> (StandardExtensionElement) e)
        .filter(e -> e.getAttributeValue("id") != null && !e.getAttributeValue("id").isEmpty())
        .map(e -> new Reply(e.getAttributeValue("id"), Optional.ofNullable(e.getAttributeValue("to"))))
        .findFirst();
  }

  /**
   * The body without its reply fallback (the quote), as XEP-0428 marks it; the body as is when nothing valid is
   * marked. A body that is all fallback gives the empty string.
   */
  public static String withoutFallback(Message message, String body) {
    for (ExtensionElement e : message.getExtensions("fallback", FALLBACK_NAMESPACE)) {
      if (!(e instanceof StandardExtensionElement f) || !NAMESPACE.equals(f.getAttributeValue("for"))) {
        continue;
      }
      StandardExtensionElement range = f.getFirstElement("body");
      if (range == null) {
        return "";
      }
      try {
        int length = body.codePointCount(0, body.length());
        int start = Integer.parseInt(range.getAttributeValue("start"));
        int end = Integer.parseInt(range.getAttributeValue("end"));
        if (start < 0 || end < start || end > length) {
          return body;
        }
        int from = body.offsetByCodePoints(0, start);
        int to = body.offsetByCodePoints(0, end);
        return (body.substring(0, from) + body.substring(to)).strip();
      } catch (NumberFormatException | NullPointerException bad) {
        return body;
      }
    }
    return body;
  }

  /** The quote that starts a reply's body for clients without XEP-0461: {@code > name: first line of original}. */
  public static String quote(String authorName, Optional<String> original) {
    String name = XmlText.clean(authorName).strip();
    String text = original.map(o -> XmlText.clean(o).strip().lines().findFirst().orElse("")).orElse("");
    if (text.codePointCount(0, text.length()) > QUOTE_MAX) {
      text = text.substring(0, text.offsetByCodePoints(0, QUOTE_MAX)) + "…";
    }
    return "> " + name + (text.isEmpty() ? "" : ": " + text) + "\n";
  }

  /** The {@code <reply>} element. */
  public static StandardExtensionElement element(String id, Optional<String> to) {
    StandardExtensionElement.Builder b = StandardExtensionElement.builder("reply", NAMESPACE);
    to.ifPresent(t -> b.addAttribute("to", t));
    return b.addAttribute("id", id).build();
  }

  /** The fallback element marking the first {@code quoteCodePoints} of the body as the reply's quote. */
  public static StandardExtensionElement fallback(int quoteCodePoints) {
    return StandardExtensionElement.builder("fallback", FALLBACK_NAMESPACE).addAttribute("for", NAMESPACE)
        .addElement(StandardExtensionElement.builder("body", FALLBACK_NAMESPACE)
            .addAttribute("start", "0").addAttribute("end", Integer.toString(quoteCodePoints)).build())
        .build();
  }

  /**
   * Matrix's own reply fallback, which older clients put in the body: {@code > <@alice:example.org> text} lines and a
   * blank line. Removed before sending: it holds raw Matrix ids.
   */
  public static String withoutMatrixFallback(String body) {
    if (!body.startsWith("> ")) {
      return body;
    }
    int end = body.indexOf("\n\n");
    return end < 0 ? body : body.substring(end + 2);
  }

  /** The first line quoted in a Matrix reply fallback, without the {@code <@user:server>} that starts it. */
  public static Optional<String> quotedInMatrixFallback(String body) {
    if (!body.startsWith("> ")) {
      return Optional.empty();
    }
    String first = body.lines().findFirst().orElse("").substring(2);
    if (first.startsWith("* ")) {
      first = first.substring(2); // an emote
    }
    if (first.startsWith("<")) {
      int close = first.indexOf("> ");
      first = close < 0 ? "" : first.substring(close + 2);
    }
    return first.isBlank() ? Optional.empty() : Optional.of(first);
  }
}
