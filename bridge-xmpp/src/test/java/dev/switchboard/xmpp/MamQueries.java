package dev.switchboard.xmpp;

import java.util.List;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jxmpp.jid.EntityBareJid;

/** XEP-0313 queries from a test client, and the archived messages they brought in. */
public final class MamQueries {
  private MamQueries() {}

  /** Asks {@code room} for the last {@code max} messages before {@code before} (empty: the newest); the answer. */
  public static IQ query(XmppClient client, EntityBareJid room, String queryId, int max, String before)
      throws Exception {
    return client.connection.sendIqRequestAndWaitForResponse(new QueryIq(room, queryId, max, before));
  }

  /** The bodies of the archived messages query {@code queryId} returned, in order. */
  public static List<String> bodies(XmppClient client, String queryId) {
    return results(client, queryId).stream().map(e -> archived(e).getFirstElement("body", "jabber:client").getText())
        .toList();
  }

  /** The senders ({@code from}) of the archived messages query {@code queryId} returned, in order. */
  public static List<String> senders(XmppClient client, String queryId) {
    return results(client, queryId).stream().map(e -> archived(e).getAttributeValue("from")).toList();
  }

  /** The result ids (Matrix event ids in gateway rooms) query {@code queryId} returned, in order. */
  public static List<String> ids(XmppClient client, String queryId) {
    return results(client, queryId).stream().map(e -> e.getAttributeValue("id")).toList();
  }

  private static List<StandardExtensionElement> results(XmppClient client, String queryId) {
    return client.messages.stream()
        .map(m -> m.getExtensionElement("result", "urn:xmpp:mam:2"))
        .filter(e -> e instanceof StandardExtensionElement)
        .map(e -> (StandardExtensionElement) e)
        .filter(e -> queryId.equals(e.getAttributeValue("queryid")))
        .toList();
  }

  private static StandardExtensionElement archived(StandardExtensionElement result) {
    return result.getFirstElement("forwarded", "urn:xmpp:forward:0").getFirstElement("message", "jabber:client");
  }

  private static final class QueryIq extends IQ {
    private final String queryId;
    private final int max;
    private final String before;

    QueryIq(EntityBareJid room, String queryId, int max, String before) {
      super("query", "urn:xmpp:mam:2");
      setType(Type.set);
      setTo(room);
      this.queryId = queryId;
      this.max = max;
      this.before = before;
    }

    @Override
    protected IQChildElementXmlStringBuilder getIQChildElementBuilder(IQChildElementXmlStringBuilder xml) {
      xml.attribute("queryid", queryId).rightAngleBracket();
      xml.halfOpenElement("set").xmlnsAttribute("http://jabber.org/protocol/rsm").rightAngleBracket();
      xml.element("max", Integer.toString(max));
      if (before.isEmpty()) {
        xml.emptyElement("before");
      } else {
        xml.element("before", before);
      }
      xml.closeElement("set");
      return xml;
    }
  }
}
