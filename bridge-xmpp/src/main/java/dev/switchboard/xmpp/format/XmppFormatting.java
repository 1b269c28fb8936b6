package dev.switchboard.xmpp.format;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.xhtmlim.packet.XHTMLExtension;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.safety.Safelist;

/**
 * XMPP formatting → Matrix HTML: an XEP-0071 XHTML-IM body, sanitised with jsoup's {@link Safelist} to what Matrix
 * allows (no scripts, no style or event attributes, links only to http, https and mailto), else XEP-0393 styling of
 * the plain body ({@link Styling}).
 */
public final class XmppFormatting {
  /** The tags of the Matrix spec's HTML subset (§ m.room.message, "m.text" formatting) that XMPP can carry. */
  private static final Safelist MATRIX = new Safelist()
      .addTags("font", "del", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "p", "a", "ul", "ol", "sup", "sub",
          "li", "b", "i", "u", "strong", "em", "s", "code", "hr", "br", "div", "table", "thead", "tbody", "tr", "th",
          "td", "caption", "pre", "span")
      .addAttributes("a", "href")
      .addProtocols("a", "href", "http", "https", "mailto")
      .addAttributes("ol", "start");

  private XmppFormatting() {}

  /**
   * The Matrix content for an XMPP message's {@code body}: an emote where it starts with {@code /me }, else text;
   * XHTML-IM (sanitised), else XEP-0393 styling, becomes Matrix HTML ({@link #apply}).
   */
  public static ObjectNode contentOf(Message message, String body) {
    boolean emote = body.startsWith("/me ");
    ObjectNode content = JsonNodeFactory.instance.objectNode().put("msgtype", emote ? "m.emote" : "m.text")
        .put("body", emote ? body.substring(4) : body);
    apply(message, content, emote);
    return content;
  }

  /**
   * Sets {@code format} and {@code formatted_body} on {@code content} (whose {@code body} is already set) from the
   * message's XHTML-IM body, else from styling of the plain body; leaves it alone when neither gives any markup.
   *
   * @param emote the body started with {@code /me }, which the HTML drops too
   */
  public static void apply(Message message, ObjectNode content, boolean emote) {
    Optional<String> html = xhtmlOf(message, emote);
    if (html.isEmpty()) {
      html = Styling.toHtml(content.path("body").asText(""));
    }
    html.ifPresent(h -> content.put("format", "org.matrix.custom.html").put("formatted_body", h));
  }

  /** The message's XHTML-IM body as sanitised Matrix HTML; empty when there is none or it has no markup left. */
  public static Optional<String> xhtmlOf(Message message, boolean emote) {
    XHTMLExtension xhtml = xhtmlElement(message).orElse(null);
    if (xhtml == null || xhtml.getBodies().isEmpty()) {
      return Optional.empty();
    }
    // XEP-0071 § 7: several bodies are alternatives in different languages; the first one is used.
    Document doc = Jsoup.parse(xhtml.getBodies().get(0).toString());
    doc.outputSettings().prettyPrint(false);
    Element body = doc.body();
    stylesToTags(body);
    if (emote) {
      dropEmotePrefix(body);
    }
    Document.OutputSettings out = new Document.OutputSettings().prettyPrint(false);
    Document cleaned = Jsoup.parseBodyFragment(Jsoup.clean(body.html(), "", MATRIX, out));
    cleaned.outputSettings().prettyPrint(false);
    // What the sanitiser emptied says nothing: spans without attributes, links without a (safe) target.
    cleaned.body().select("span, a:not([href])").unwrap();
    if (cleaned.body().getAllElements().size() <= 1) {
      return Optional.empty(); // no markup left: the plain body says it all
    }
    return Optional.of(cleaned.body().html().strip());
  }

  /** The message's XHTML-IM element as Smack's provider read it; empty when there is none (or it was unreadable). */
  public static Optional<XHTMLExtension> xhtmlElement(Message message) {
    try {
      return Optional.ofNullable(XHTMLExtension.from(message));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** XHTML-IM styles the common cases with CSS; Matrix wants tags (style attributes are not kept). */
  private static void stylesToTags(Element root) {
    for (Element e : List.copyOf(root.select("[style]"))) {
      String style = e.attr("style").toLowerCase(Locale.ROOT).replace(" ", "");
      e.removeAttr("style");
      if (style.contains("font-weight:bold") || style.matches(".*font-weight:[789]00.*")) {
        wrapChildren(e, "strong");
      }
      if (style.contains("font-style:italic")) {
        wrapChildren(e, "em");
      }
      if (style.contains("line-through")) {
        wrapChildren(e, "del");
      }
      if (style.contains("text-decoration:underline")) {
        wrapChildren(e, "u");
      }
    }
  }

  private static void wrapChildren(Element e, String tag) {
    Element wrapper = new Element(tag);
    for (Node child : List.copyOf(e.childNodes())) {
      wrapper.appendChild(child);
    }
    e.appendChild(wrapper);
  }

  private static void dropEmotePrefix(Element body) {
    Node first = body;
    while (first != null && !(first instanceof TextNode) && first.childNodeSize() > 0) {
      first = first.childNode(0);
    }
    if (first instanceof TextNode t && t.getWholeText().stripLeading().startsWith("/me ")) {
      String text = t.getWholeText().stripLeading();
      t.text(text.substring(4));
    }
  }
}
