package dev.switchboard.xmpp.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Optional;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.xhtmlim.XHTMLText;
import org.jivesoftware.smackx.xhtmlim.packet.XHTMLExtension;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;

/**
 * Matrix HTML ({@code format: org.matrix.custom.html}) → XMPP: a plain body with XEP-0393 styling directives and an
 * XEP-0071 XHTML-IM body. The Matrix HTML is parsed with jsoup; the XHTML-IM body is built with Smack's
 * {@link XHTMLText}, which escapes text and attributes. Reply fallbacks ({@code mx-reply}) are left out; links to
 * {@code matrix.to} (mentions) keep only their text so no raw Matrix id reaches XMPP; only http, https and mailto
 * links become anchors.
 */
public final class MatrixHtml {
  /** The message for XMPP: styled plain body and its XHTML-IM form. */
  public record Rendered(String body, XHTMLExtension xhtml) {
    /** Adds the XHTML-IM body to {@code message}. */
    public Message addTo(Message message) {
      message.addExtension(xhtml);
      return message;
    }
  }

  private static final String STRIKE = "text-decoration: line-through";
  private static final String UNDERLINE = "text-decoration: underline";
  private static final String PRE = "white-space: pre-wrap; font-family: monospace";

  private MatrixHtml() {}

  /**
   * The message's {@code formatted_body} for XMPP, with {@code prefix} (e.g. {@code "/me "}) before both forms; empty
   * when the content has no Matrix HTML or it renders to nothing.
   */
  public static Optional<Rendered> render(JsonNode content, String prefix) {
    return render(content, prefix, "");
  }

  /**
   * {@link #render(JsonNode, String)} for a reply: {@code quote} (the plain {@code > name: text} lines that start the
   * reply's body for clients without XEP-0461) becomes a {@code blockquote} before the XHTML-IM content; the plain
   * body returned does not include it (the caller puts it first, with its XEP-0428 fallback range).
   */
  public static Optional<Rendered> render(JsonNode content, String prefix, String quote) {
    if (!"org.matrix.custom.html".equals(content.path("format").asText())
        || !content.path("formatted_body").isTextual()) {
      return Optional.empty();
    }
    Element body = Jsoup.parseBodyFragment(content.path("formatted_body").asText()).body();
    StringBuilder plain = new StringBuilder();
    XHTMLText xhtml = new XHTMLText(null, null);
    if (!quote.isBlank()) {
      xhtml.appendOpenBlockQuoteTag(null);
      String[] lines = quote.strip().split("\n");
      for (int i = 0; i < lines.length; i++) {
        if (i > 0) {
          xhtml.appendBrTag();
        }
        xhtml.append(lines[i].startsWith(">") ? lines[i].substring(1).strip() : lines[i]);
      }
      xhtml.appendCloseBlockQuoteTag();
    }
    if (!prefix.isEmpty()) {
      xhtml.append(prefix);
    }
    children(body, plain, xhtml);
    xhtml.appendCloseBodyTag();
    String text = plain.toString().replaceAll("[ \\t]+\n", "\n").replaceAll("\n{3,}", "\n\n").strip();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    text = prefix + text;
    XHTMLExtension extension = new XHTMLExtension();
    extension.addBody(xhtml.toXML());
    return Optional.of(new Rendered(text, extension));
  }

  /** The plain text for XMPP: the styled form of {@code formatted_body} if there is one, else {@code fallback}. */
  public static String bodyOf(JsonNode content, String prefix, String fallback) {
    return render(content, prefix).map(Rendered::body).orElse(fallback);
  }

  private static void children(Element parent, StringBuilder plain, XHTMLText xhtml) {
    for (Node child : parent.childNodes()) {
      node(child, plain, xhtml);
    }
  }

  private static void node(Node node, StringBuilder plain, XHTMLText xhtml) {
    if (node instanceof TextNode t) {
      String text = t.text().replaceAll("\\s+", " ");
      if (atLineStart(plain)) {
        text = text.stripLeading();
      }
      plain.append(text);
      xhtml.append(text);
      return;
    }
    if (!(node instanceof Element e)) {
      return;
    }
    String tag = e.normalName();
    switch (tag) {
      case "mx-reply", "script", "style", "head" -> {
        // reply fallbacks quote raw Matrix ids; the rest is not content
      }
      case "strong", "b" -> {
        xhtml.appendOpenStrongTag();
        span(e, '*', plain, xhtml);
        xhtml.appendCloseStrongTag();
      }
      case "em", "i" -> {
        xhtml.appendOpenEmTag();
        span(e, '_', plain, xhtml);
        xhtml.appendCloseEmTag();
      }
      case "del", "s", "strike" -> {
        xhtml.appendOpenSpanTag(STRIKE);
        span(e, '~', plain, xhtml);
        xhtml.appendCloseSpanTag();
      }
      case "u" -> {
        xhtml.appendOpenSpanTag(UNDERLINE);
        children(e, plain, xhtml);
        xhtml.appendCloseSpanTag();
      }
      case "code" -> {
        String code = e.wholeText();
        if (code.isEmpty()) {
          return;
        }
        xhtml.appendOpenCodeTag();
        xhtml.append(code);
        xhtml.appendCloseCodeTag();
        plain.append('`').append(code).append('`');
      }
      case "pre" -> {
        String code = e.wholeText();
        if (code.endsWith("\n")) {
          code = code.substring(0, code.length() - 1);
        }
        lineStart(plain);
        plain.append("```\n").append(code).append("\n```\n");
        xhtml.appendOpenParagraphTag(PRE);
        xhtml.appendOpenCodeTag();
        String[] lines = code.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
          if (i > 0) {
            xhtml.appendBrTag();
          }
          xhtml.append(lines[i]);
        }
        xhtml.appendCloseCodeTag();
        xhtml.appendCloseParagraphTag();
      }
      case "blockquote" -> {
        lineStart(plain);
        StringBuilder quoted = new StringBuilder();
        xhtml.appendOpenBlockQuoteTag(null);
        children(e, quoted, xhtml);
        xhtml.appendCloseBlockQuoteTag();
        for (String line : quoted.toString().strip().split("\n", -1)) {
          plain.append(line.isEmpty() ? ">" : "> " + line).append('\n');
        }
      }
      case "p", "div" -> {
        lineStart(plain);
        xhtml.appendOpenParagraphTag(null);
        children(e, plain, xhtml);
        xhtml.appendCloseParagraphTag();
        plain.append('\n');
      }
      case "br" -> {
        plain.append('\n');
        xhtml.appendBrTag();
      }
      case "hr" -> {
        lineStart(plain);
        plain.append("---\n");
        xhtml.appendBrTag();
      }
      case "h1", "h2", "h3", "h4", "h5", "h6" -> {
        lineStart(plain);
        int level = tag.charAt(1) - '0';
        xhtml.appendOpenHeaderTag(level, null);
        span(e, '*', plain, xhtml);
        xhtml.appendCloseHeaderTag(level);
        plain.append('\n');
      }
      case "ul", "ol" -> {
        boolean ordered = tag.equals("ol");
        int n = ordered ? parseStart(e.attr("start")) : 0;
        lineStart(plain);
        if (ordered) {
          xhtml.appendOpenOrderedListTag(null);
        } else {
          xhtml.appendOpenUnorderedListTag(null);
        }
        for (Element li : e.children()) {
          lineStart(plain);
          plain.append(ordered ? (n++) + ". " : "• ");
          xhtml.appendLineItemTag(null);
          children(li, plain, xhtml);
          xhtml.appendCloseLineItemTag();
          plain.append('\n');
        }
        if (ordered) {
          xhtml.appendCloseOrderedListTag();
        } else {
          xhtml.appendCloseUnorderedListTag();
        }
      }
      case "a" -> link(e, plain, xhtml);
      case "img" -> {
        String alt = e.attr("alt").isBlank() ? "image" : e.attr("alt").strip();
        plain.append('[').append(alt).append(']');
        xhtml.append("[" + alt + "]");
      }
      default -> children(e, plain, xhtml);
    }
  }

  /**
   * An XEP-0393 span: the directives go right around non-whitespace (§ 5.2), so surrounding whitespace stays outside.
   */
  private static void span(Element e, char directive, StringBuilder plain, XHTMLText xhtml) {
    StringBuilder inner = inline();
    children(e, inner, xhtml);
    String s = inner.substring(1);
    String core = s.strip();
    if (core.isEmpty()) {
      plain.append(s);
      return;
    }
    int lead = s.indexOf(core);
    plain.append(s, 0, lead).append(directive).append(core).append(directive).append(s.substring(lead + core.length()));
  }

  private static void link(Element e, StringBuilder plain, XHTMLText xhtml) {
    String href = e.attr("href").strip();
    String scheme = href.contains(":") ? href.substring(0, href.indexOf(':')).toLowerCase(Locale.ROOT) : "";
    boolean mention = href.startsWith("https://matrix.to/");
    if (mention || !(scheme.equals("http") || scheme.equals("https") || scheme.equals("mailto"))) {
      children(e, plain, xhtml);
      return;
    }
    xhtml.appendOpenAnchorTag(href, null);
    StringBuilder text = inline();
    children(e, text, xhtml);
    xhtml.appendCloseAnchorTag();
    String shown = text.substring(1);
    String target = scheme.equals("mailto") ? href.substring("mailto:".length()) : href;
    plain.append(shown);
    if (shown.isBlank()) {
      plain.append(target);
    } else if (!shown.strip().equals(target) && !shown.strip().equals(href)) {
      plain.append(" (").append(target).append(')');
    }
  }

  private static int parseStart(String start) {
    try {
      return Math.max(0, Integer.parseInt(start.strip()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /** A buffer for a span's text: not at a line start, so its leading whitespace is kept (drop the first char). */
  private static StringBuilder inline() {
    return new StringBuilder("\u0001");
  }

  private static boolean atLineStart(StringBuilder plain) {
    return plain.isEmpty() || plain.charAt(plain.length() - 1) == '\n';
  }

  private static void lineStart(StringBuilder plain) {
    if (!atLineStart(plain)) {
      plain.append('\n');
    }
  }
}
