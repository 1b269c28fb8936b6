package dev.switchboard.xmpp.stanza;

import java.io.StringReader;
import java.util.List;
import java.util.SplittableRandom;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.xml.sax.InputSource;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Seeded arbitrary Unicode for property tests of what goes on the component stream (jqwik is not in the build):
 * every C0 and C1 control, lone surrogates, U+FFFE/U+FFFF, markup and entity look-alikes, emoji and random code
 * points; and a strict namespace-aware parse of one stanza as the XMPP server would see it.
 */
public final class ArbitraryText {
  private static final List<String> NASTY = List.of("&", "<", ">", "]]>", "&amp;", "&#1;", "&#x0;", "&lt;", "'",
      "\"", "<b>", "</i>", "<a href=\"x\">", "<![CDATA[", "<?xml?>", "<!--", "-->", "\uD83D\uDE00", "\uD800",
      "\uDFFF", "\uFFFE", "\uFFFF", "\u0085", "\u2028", "\r\n", "\t", "/", "@", "%0A", "\u200B");

  private final SplittableRandom random;

  public ArbitraryText(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** A string of up to {@code maxParts} pieces: controls, nasty fragments, and random code points of any plane. */
  public String next(int maxParts) {
    StringBuilder sb = new StringBuilder();
    int parts = random.nextInt(maxParts + 1);
    for (int i = 0; i < parts; i++) {
      switch (random.nextInt(5)) {
        case 0 -> sb.append((char) random.nextInt(0x20));
        case 1 -> sb.append((char) (0x7F + random.nextInt(0x21)));
        case 2 -> sb.append(NASTY.get(random.nextInt(NASTY.size())));
        case 3 -> sb.append((char) random.nextInt(0x10000)); // any BMP unit, surrogate halves included
        default -> sb.appendCodePoint(random.nextInt(2) == 0 ? 'a' + random.nextInt(26)
            : 0x10000 + random.nextInt(0x100000));
      }
    }
    return sb.toString();
  }

  /** Matrix-like HTML built around arbitrary text, as a {@code formatted_body} would carry it. */
  public String nextHtml() {
    String[] open = {"<b>", "<i>", "<code>", "<pre><code>", "<a href=\"https://e.org/" + next(2) + "\">",
        "<span data-mx-color=\"" + next(2) + "\">", "<blockquote>", "<ul><li>", "<font color=\"red\">", "<p>", "<br>"};
    StringBuilder sb = new StringBuilder();
    int parts = random.nextInt(6);
    for (int i = 0; i < parts; i++) {
      sb.append(open[random.nextInt(open.length)]).append(next(6));
    }
    return sb.toString();
  }

  /**
   * Parses one stanza inside a component stream with the JDK's strict, namespace-aware parser, the way an XMPP
   * server would; throws what the parser throws.
   */
  public static Element strictParse(String stanzaXml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newDefaultInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    DocumentBuilder builder = f.newDocumentBuilder();
    builder.setErrorHandler(new DefaultHandler() {
      @Override
      public void error(org.xml.sax.SAXParseException e) throws org.xml.sax.SAXParseException {
        throw e;
      }
    });
    Document doc = builder.parse(new InputSource(new StringReader(
        "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>"
            + stanzaXml + "</stream:stream>")));
    return (Element) doc.getDocumentElement().getFirstChild();
  }
}
