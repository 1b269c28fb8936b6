package dev.switchboard.xmpp.stanza;

import java.io.IOException;
import java.io.StringReader;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.parsing.SmackParsingException;
import org.jivesoftware.smack.util.PacketParserUtils;
import org.jivesoftware.smack.xml.SmackXmlParser;
import org.jivesoftware.smack.xml.XmlPullParser;
import org.jivesoftware.smack.xml.XmlPullParserException;

/**
 * Turns top-level elements of a component stream into Smack stanzas and back. Component stanzas live in
 * {@code jabber:component:accept}; Smack's providers know them in {@code jabber:client}, which has the same stanza
 * vocabulary, so we parse inside a {@code jabber:client} envelope and serialise without a stanza-level xmlns (the
 * element then inherits the component stream's default namespace).
 */
public final class StanzaCodec {
  private static final String ENVELOPE_OPEN =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
  private static final String ENVELOPE_CLOSE = "</stream:stream>";
  private static final String COMPONENT_OPEN =
      "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>";
  /** Per thread: StAX does not promise that a factory may be shared. */
  private static final ThreadLocal<XMLInputFactory> STAX = ThreadLocal.withInitial(StanzaCodec::strictStax);
  private static final XmlEnvironment CLIENT = XmlEnvironment.builder().withNamespace("jabber:client").build();

  private StanzaCodec() {}

  private static XMLInputFactory strictStax() {
    // The JDK's own parser (Smack's StAX provider may bring another): namespace aware, no DTDs or entities.
    XMLInputFactory f = XMLInputFactory.newDefaultFactory();
    f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    return f;
  }

  /** A top-level element that is not a stanza we can read; the stream goes on without it. */
  public static final class MalformedStanzaException extends Exception {
    public MalformedStanzaException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Parses one complete top-level element (as the XML splitter delivers it) into a message, presence or IQ.
   *
   * @throws MalformedStanzaException for XML Smack cannot read, an unknown element, or values its providers reject
   */
  public static Stanza parse(String element) throws MalformedStanzaException {
    try {
      XmlPullParser parser = SmackXmlParser.newXmlParser(new StringReader(ENVELOPE_OPEN + element + ENVELOPE_CLOSE));
      // Move past the envelope to the element itself.
      int starts = 0;
      while (starts < 2) {
        XmlPullParser.Event event = parser.next();
        if (event == XmlPullParser.Event.START_ELEMENT) {
          starts++;
        } else if (event == XmlPullParser.Event.END_DOCUMENT) {
          throw new MalformedStanzaException("no element", null);
        }
      }
      return PacketParserUtils.parseStanza(parser, CLIENT);
    } catch (XmlPullParserException | SmackParsingException | IOException | RuntimeException e) {
      throw new MalformedStanzaException(e.toString(), e);
    }
  }

  /**
   * The stanza as it goes on a component stream: no stanza-level xmlns, escaped by Smack's builders, and cleaned of
   * what XML 1.0 forbids. This is the one cleaning step every builder's output passes (bodies, XHTML-IM, nicks,
   * subjects, reasons, vCards, OOB URLs, JID resources): such a character can only sit in a text or attribute value
   * (Smack writes element and attribute names from constants, and escapes with entities, never character
   * references), so removing it from the serialised form is removing it from every value. Smack leaves {@code >}
   * unescaped, and {@code ]]>} in character data is not well-formed (XML 1.0 § 2.4): it becomes {@code ]]&gt;},
   * which means the same in text and in attribute values (Smack writes no CDATA sections or comments).
   */
  public static String toXml(Stanza stanza) {
    String xml = XmlText.clean(stanza.toXML(CLIENT).toString());
    return xml.contains("]]>") ? xml.replace("]]>", "]]&gt;") : xml;
  }

  /**
   * Why {@code xml} (one stanza as {@link #toXml} writes it) would not parse inside a component stream, or empty when
   * it is well-formed XML 1.0 with consistent namespaces. A strict JDK StAX parse: the last check before a stanza
   * goes on the stream, because one bad stanza makes Prosody close the stream for everyone.
   */
  public static java.util.Optional<String> wellFormednessError(String xml) {
    try {
      XMLStreamReader reader = STAX.get().createXMLStreamReader(new StringReader(COMPONENT_OPEN + xml + ENVELOPE_CLOSE));
      try {
        int depth = 0;
        int roots = 0;
        while (reader.hasNext()) {
          int event = reader.next();
          if (event == XMLStreamConstants.START_ELEMENT) {
            if (depth++ == 1) {
              roots++;
            }
          } else if (event == XMLStreamConstants.END_ELEMENT) {
            depth--;
          }
        }
        return roots == 1 ? java.util.Optional.empty() : java.util.Optional.of(roots + " top-level elements");
      } finally {
        reader.close();
      }
    } catch (XMLStreamException | RuntimeException e) {
      return java.util.Optional.of(String.valueOf(e.getMessage()));
    }
  }
}
