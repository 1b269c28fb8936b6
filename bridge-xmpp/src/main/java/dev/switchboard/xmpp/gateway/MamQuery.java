package dev.switchboard.xmpp.gateway;

import java.io.StringReader;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.UnparsedIQ;
import org.jivesoftware.smack.xml.SmackXmlParser;
import org.jivesoftware.smack.xml.XmlPullParser;

/**
 * An XEP-0313 (MAM, {@code urn:xmpp:mam:2}) query as far as the gateway answers it: the query id, the page size
 * and direction (XEP-0059 {@code max}, {@code before}, {@code after} naming Matrix event ids) and the {@code start}
 * and {@code end} filters. Smack 4.4 keeps its MAM elements in smack-experimental, so the query is read from the
 * unparsed IQ.
 */
record MamQuery(String queryId, OptionalInt max, Optional<String> before, Optional<String> after,
    Optional<Instant> start, Optional<Instant> end, boolean hasOtherFilters) {
  static final String NAMESPACE = "urn:xmpp:mam:2";

  static boolean isMamQuery(IQ iq) {
    return iq.getType() == IQ.Type.set && "query".equals(iq.getChildElementName())
        && NAMESPACE.equals(iq.getChildElementNamespace());
  }

  /** Reads the query; empty when the XML cannot be read. */
  static Optional<MamQuery> from(IQ iq) {
    if (!(iq instanceof UnparsedIQ unparsed)) {
      return Optional.empty();
    }
    try {
      XmlPullParser p = SmackXmlParser.newXmlParser(new StringReader(unparsed.getContent().toString()));
      String queryId = "";
      OptionalInt max = OptionalInt.empty();
      Optional<String> before = Optional.empty();
      Optional<String> after = Optional.empty();
      Optional<Instant> start = Optional.empty();
      Optional<Instant> end = Optional.empty();
      boolean other = false;
      String field = null;
      for (XmlPullParser.Event e = p.getEventType(); e != XmlPullParser.Event.END_DOCUMENT; e = p.next()) {
        if (e != XmlPullParser.Event.START_ELEMENT) {
          continue;
        }
        switch (p.getName()) {
          case "query" -> queryId = Optional.ofNullable(p.getAttributeValue("", "queryid")).orElse("");
          case "field" -> field = p.getAttributeValue("", "var");
          case "value" -> {
            String v = p.nextText().strip();
            if ("start".equals(field)) {
              start = Optional.of(Instant.parse(v));
            } else if ("end".equals(field)) {
              end = Optional.of(Instant.parse(v));
            } else if (field != null && !"FORM_TYPE".equals(field)) {
              other = true; // 'with' and the like: not supported, said so by an error
            }
          }
          case "max" -> max = OptionalInt.of(Integer.parseInt(p.nextText().strip()));
          case "before" -> before = Optional.of(p.nextText().strip());
          case "after" -> after = Optional.of(p.nextText().strip());
          default -> {
            // x, set, and unknown elements
          }
        }
      }
      return Optional.of(new MamQuery(queryId, max, before, after, start, end, other));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** {@code <before/>} empty means "the last page", as does no paging at all. */
  boolean wantsLastPage() {
    return after.isEmpty() && before.map(String::isEmpty).orElse(true);
  }
}
