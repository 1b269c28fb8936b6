package dev.switchboard.xmpp.muc;

import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.stanza.LogText;
import dev.switchboard.xmpp.stanza.StanzaCodec;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.UnparsedIQ;
import org.jivesoftware.smack.xml.SmackXmlParser;
import org.jivesoftware.smack.xml.XmlPullParser;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.util.XmppDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Catch-up from a MUC's archive (XEP-0313 MAM, {@code urn:xmpp:mam:2}) after the listener rejoins: everything since
 * the last bridged message, page by page. The join's {@code <history since>} alone gets at most the MUC's history
 * length (20 messages in Prosody), so a burst while the bridge was down or restarting would otherwise be lost.
 * Each archived message is handed on as a groupchat message to the listener with its archive id as XEP-0359
 * stanza-id and its archive time as XEP-0203 delay, so it is de-duplicated like history.
 */
final class MucCatchUp {
  private static final Logger log = LoggerFactory.getLogger(MucCatchUp.class);
  static final String MAM = "urn:xmpp:mam:2";
  private static final String RSM = "http://jabber.org/protocol/rsm";
  private static final String FORWARD = "urn:xmpp:forward:0";
  private static final int PAGE = 100;
  private static final int MAX_PAGES = 50;

  private final ComponentConnection connection;
  private final Jid listener;
  /** Results of the queries in flight, by query id, in arrival (archive) order. */
  private final Map<String, List<Message>> results = new ConcurrentHashMap<>();

  MucCatchUp(ComponentConnection connection, Jid listener) {
    this.connection = connection;
    this.listener = listener;
  }

  /** True when {@code stanza} is a result of one of our queries (then it is taken, not bridged as it is). */
  boolean take(Stanza stanza) {
    if (!(stanza instanceof Message m) || !(m.getExtensionElement("result", MAM) instanceof StandardExtensionElement r)) {
      return false;
    }
    List<Message> page = results.get(String.valueOf(r.getAttributeValue("queryid")));
    if (page == null) {
      return false;
    }
    asGroupchat(r, m.getFrom().asEntityBareJidIfPossible()).ifPresent(page::add);
    return true;
  }

  /**
   * Asks the MUC for what it archived since {@code since} and hands each message to {@code bridge}, oldest first,
   * on the connection's callback executor (in stream order with live stanzas). Completes when the archive is
   * exhausted, the page limit is reached, or the MUC refuses (no MAM: the join's history is all there is).
   */
  CompletableFuture<Void> since(EntityBareJid muc, Date since, Consumer<Message> bridge) {
    return page(muc, since, Optional.empty(), bridge, 0);
  }

  private CompletableFuture<Void> page(EntityBareJid muc, Date since, Optional<String> after,
      Consumer<Message> bridge, int pages) {
    String queryId = UUID.randomUUID().toString();
    List<Message> page = java.util.Collections.synchronizedList(new ArrayList<>());
    results.put(queryId, page);
    Query query = new Query(muc, queryId, since.toInstant(), after);
    query.setFrom(listener);
    return connection.request(query).handle((answer, err) -> {
      results.remove(queryId);
      if (err != null || answer.getType() != IQ.Type.result) {
        log.info("No archive catch-up for {}: {}", muc, err != null ? LogText.of(err) : LogText.of(answer.getError()));
        return CompletableFuture.<Void>completedFuture(null);
      }
      List<Message> messages;
      synchronized (page) {
        messages = List.copyOf(page);
      }
      messages.forEach(bridge);
      Fin fin = Fin.of(answer);
      if (fin.complete() || fin.last().isEmpty() || messages.isEmpty() || pages + 1 >= MAX_PAGES) {
        if (!fin.complete() && pages + 1 >= MAX_PAGES) {
          log.warn("Archive catch-up for {} stopped after {} pages", muc, MAX_PAGES);
        }
        return CompletableFuture.<Void>completedFuture(null);
      }
      return page(muc, since, fin.last(), bridge, pages + 1);
    }).thenCompose(f -> f);
  }

  /** The archived message as if the MUC sent it to the listener now, marked with its archive id and time. */
  private Optional<Message> asGroupchat(StandardExtensionElement result, EntityBareJid muc) {
    StandardExtensionElement forwarded = result.getFirstElement("forwarded", FORWARD);
    StandardExtensionElement inner = forwarded == null ? null : forwarded.getFirstElement("message", "jabber:client");
    String archiveId = result.getAttributeValue("id");
    if (inner == null || archiveId == null || muc == null) {
      return Optional.empty();
    }
    try {
      Message original = (Message) StanzaCodec.parse(inner.toXML().toString());
      if (original.getType() != Message.Type.groupchat || original.getFrom() == null) {
        return Optional.empty();
      }
      StandardExtensionElement delay = forwarded.getFirstElement("delay", "urn:xmpp:delay");
      Date stamp = delay == null ? new Date() : XmppDateTime.parseXEP0082Date(delay.getAttributeValue("stamp"));
      var b = original.asBuilder().to(listener);
      b.removeExtension("stanza-id", MucStanzas.SID_NS);
      b.removeExtension(DelayInformation.ELEMENT, DelayInformation.NAMESPACE);
      b.addExtension(StandardExtensionElement.builder("stanza-id", MucStanzas.SID_NS).addAttribute("id", archiveId)
          .addAttribute("by", muc.toString()).build());
      b.addExtension(new DelayInformation(stamp, muc.toString(), null));
      return Optional.of(b.build());
    } catch (StanzaCodec.MalformedStanzaException | java.text.ParseException | RuntimeException e) {
      log.info("Skipping an archived message from {} we cannot read: {}", muc, LogText.of(e.getMessage()));
      return Optional.empty();
    }
  }

  /** {@code <query xmlns='urn:xmpp:mam:2'>} with a {@code start} filter and an XEP-0059 page. */
  private static final class Query extends IQ {
    private final String queryId;
    private final Instant start;
    private final Optional<String> after;

    Query(EntityBareJid muc, String queryId, Instant start, Optional<String> after) {
      super("query", MAM);
      setType(Type.set);
      setTo(muc);
      setStanzaId("mam-" + queryId);
      this.queryId = queryId;
      this.start = start;
      this.after = after;
    }

    @Override
    protected IQChildElementXmlStringBuilder getIQChildElementBuilder(IQChildElementXmlStringBuilder xml) {
      xml.attribute("queryid", queryId).rightAngleBracket();
      xml.append("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>" + MAM
          + "</value></field><field var='start'><value>" + start + "</value></field></x>");
      xml.append("<set xmlns='" + RSM + "'><max>" + PAGE + "</max>");
      after.ifPresent(a -> xml.element("after", a));
      xml.append("</set>");
      return xml;
    }
  }

  /** The {@code <fin>} of a MAM answer: whether the archive is exhausted, and the last id of the page. */
  private record Fin(boolean complete, Optional<String> last) {
    static Fin of(IQ answer) {
      if (!(answer instanceof UnparsedIQ unparsed)) {
        return new Fin(true, Optional.empty());
      }
      try {
        XmlPullParser p = SmackXmlParser.newXmlParser(new StringReader(unparsed.getContent().toString()));
        boolean complete = false;
        Optional<String> last = Optional.empty();
        for (XmlPullParser.Event e = p.getEventType(); e != XmlPullParser.Event.END_DOCUMENT; e = p.next()) {
          if (e != XmlPullParser.Event.START_ELEMENT) {
            continue;
          }
          if ("fin".equals(p.getName())) {
            complete = "true".equals(p.getAttributeValue("", "complete"));
          } else if ("last".equals(p.getName())) {
            last = Optional.of(p.nextText());
          }
        }
        return new Fin(complete, last);
      } catch (Exception e) {
        return new Fin(true, Optional.empty());
      }
    }
  }
}
