package dev.switchboard.xmpp.stanza;

import java.io.IOException;
import java.io.StringReader;
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
  private static final XmlEnvironment CLIENT = XmlEnvironment.builder().withNamespace("jabber:client").build();

  private StanzaCodec() {}

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

  /** The stanza as it goes on a component stream: no stanza-level xmlns, escaped by Smack's builders. */
  public static String toXml(Stanza stanza) {
    return stanza.toXML(CLIENT).toString();
  }
}
