package dev.switchboard.xmpp.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.UserId;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.stanza.StanzaIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.xml.namespace.QName;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.util.XmlStringBuilder;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.forward.packet.Forwarded;
import org.jxmpp.jid.Jid;

/**
 * XEP-0313 answers for gateway rooms, read from the Matrix room's history ({@code /messages}) as the requester's
 * ghost sees it. Result ids are Matrix event ids, so XEP-0059 paging ({@code before}/{@code after}) names events.
 * The archive reaches back {@value #SCAN} events.
 */
final class MamArchive {
  static final int SCAN = 500;
  private static final int DEFAULT_MAX = 50;
  private static final int MAX_MAX = 250;

  private final ComponentConnection connection;
  private final GatewayRelay relays;

  MamArchive(ComponentConnection connection, GatewayRelay relays) {
    this.connection = connection;
    this.relays = relays;
  }

  CompletableFuture<Void> answer(IQ iq, GatewayRoom room, Intent asker) {
    Optional<MamQuery> parsed = MamQuery.from(iq);
    if (parsed.isEmpty()) {
      connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.bad_request));
      return CompletableFuture.completedFuture(null);
    }
    MamQuery q = parsed.get();
    if (q.hasOtherFilters()) {
      connection.send(IQ.createErrorResponse(iq, StanzaError.getBuilder(StanzaError.Condition.feature_not_implemented)
          .setDescriptiveEnText("Only the start and end filters are supported")));
      return CompletableFuture.completedFuture(null);
    }
    return asker.latestEvents(room.roomId, SCAN).thenAccept(newestFirst -> {
      List<JsonNode> all = new ArrayList<>();
      for (JsonNode e : newestFirst) {
        long ts = e.path("origin_server_ts").asLong();
        if (GatewayToXmpp.historyText(e).isEmpty()
            || !relays.heard(e.path("sender").asText())
            || q.start().map(s -> ts < s.toEpochMilli()).orElse(false)
            || q.end().map(s -> ts > s.toEpochMilli()).orElse(false)) {
          continue;
        }
        all.add(e);
      }
      Collections.reverse(all); // oldest first
      boolean reachedOldest = newestFirst.size() < SCAN;
      int max = Math.min(MAX_MAX, q.max().orElse(DEFAULT_MAX));
      int from;
      int to;
      boolean complete;
      if (q.after().isPresent()) {
        int at = indexOf(all, q.after().get());
        if (at < 0) {
          connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found));
          return;
        }
        from = at + 1;
        to = Math.min(all.size(), from + max);
        complete = to == all.size();
      } else {
        int end = q.wantsLastPage() ? all.size() : indexOf(all, q.before().get());
        if (end < 0) {
          connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found));
          return;
        }
        to = end;
        from = Math.max(0, to - max);
        complete = from == 0 && reachedOldest;
      }
      List<JsonNode> page = all.subList(from, to);
      for (JsonNode e : page) {
        connection.send(result(iq.getFrom(), room, q.queryId(), e));
      }
      connection.send(new Fin(iq, complete, page.isEmpty() ? null : page.get(0).path("event_id").asText(),
          page.isEmpty() ? null : page.get(page.size() - 1).path("event_id").asText()));
    });
  }

  private static int indexOf(List<JsonNode> events, String eventId) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).path("event_id").asText().equals(eventId)) {
        return i;
      }
    }
    return -1;
  }

  private Message result(Jid to, GatewayRoom room, String queryId, JsonNode e) {
    String eventId = e.path("event_id").asText();
    UserId sender = UserId.of(e.path("sender").asText());
    Optional<Message> relayed = relays.shown(sender) ? Optional.empty() : relays.archived(room, null, e, sender, false);
    MessageBuilder b = StanzaBuilder.buildMessage(StanzaIds.of(eventId))
        .from(room.occupantJid(room.nickOf(sender)).map(j -> (Jid) j).orElse(room.jid))
        .ofType(Message.Type.groupchat)
        .setBody(dev.switchboard.xmpp.stanza.XmlText.clean(GatewayToXmpp.textOf(e.path("content")).orElse("")));
    GatewayToXmpp.xhtmlOf(e.path("content")).forEach(b::addExtension);
    Message archived = relayed.orElseGet(b::build);
    Forwarded<Message> forwarded = new Forwarded<>(
        new DelayInformation(Date.from(Instant.ofEpochMilli(e.path("origin_server_ts").asLong()))), archived);
    return StanzaBuilder.buildMessage().from(room.jid).to(to)
        .addExtension(new Result(queryId, eventId, forwarded)).build();
  }

  /** {@code <result xmlns='urn:xmpp:mam:2' queryid='...' id='...'><forwarded .../></result>}. */
  private record Result(String queryId, String id, Forwarded<Message> forwarded) implements ExtensionElement {
    @Override
    public String getElementName() {
      return "result";
    }

    @Override
    public String getNamespace() {
      return MamQuery.NAMESPACE;
    }

    @Override
    public QName getQName() {
      return new QName(MamQuery.NAMESPACE, "result");
    }

    @Override
    public CharSequence toXML(XmlEnvironment enclosing) {
      XmlStringBuilder xml = new XmlStringBuilder(this, enclosing);
      xml.optAttribute("queryid", queryId.isEmpty() ? null : queryId).attribute("id", id).rightAngleBracket();
      xml.append(forwarded.toXML(XmlEnvironment.builder().withNamespace(MamQuery.NAMESPACE).build()));
      return xml.closeElement(this);
    }
  }

  /** The IQ result that ends a query: {@code <fin complete='...'>} with the page's first and last ids. */
  private static final class Fin extends IQ {
    private final boolean complete;
    private final String first;
    private final String last;

    Fin(IQ request, boolean complete, String first, String last) {
      super("fin", MamQuery.NAMESPACE);
      setType(IQ.Type.result);
      setStanzaId(request.getStanzaId());
      setTo(request.getFrom());
      setFrom(request.getTo());
      this.complete = complete;
      this.first = first;
      this.last = last;
    }

    @Override
    protected IQChildElementXmlStringBuilder getIQChildElementBuilder(IQChildElementXmlStringBuilder xml) {
      xml.optAttribute("complete", complete ? "true" : null).rightAngleBracket();
      xml.halfOpenElement("set").xmlnsAttribute("http://jabber.org/protocol/rsm").rightAngleBracket();
      xml.optElement("first", first).optElement("last", last);
      xml.closeElement("set");
      return xml;
    }
  }
}
