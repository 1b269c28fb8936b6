package dev.switchboard.xmpp.gateway;

import static dev.switchboard.core.failure.Failures.rootCause;

import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.xmpp.component.ComponentConnection;
import dev.switchboard.xmpp.message.Receipts;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.jivesoftware.smackx.disco.packet.DiscoverItems;
import org.jivesoftware.smackx.xhtmlim.packet.XHTMLExtension;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.FullJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IQs to the component and its gateway rooms: XEP-0030 disco#info and #items (the component as a Matrix gateway, the
 * rooms as MUCs), XEP-0199 pings, XEP-0055 room search and XEP-0313 archive queries.
 */
final class GatewayDisco {
  private static final Logger log = LoggerFactory.getLogger(GatewayDisco.class);
  private static final String PING_NS = "urn:xmpp:ping";

  private final ConnectorContext context;
  private final ComponentConnection connection;
  private final String domain;
  private final GatewayRooms rooms;
  private final RoomDirectory directory;
  private final MamArchive archive;

  GatewayDisco(ConnectorContext context, ComponentConnection connection, String domain, GatewayRooms rooms,
      RoomDirectory directory, MamArchive archive) {
    this.context = context;
    this.connection = connection;
    this.domain = domain;
    this.rooms = rooms;
    this.directory = directory;
    this.archive = archive;
  }

  /** True for the IQs to the component itself this class answers (to a gateway room: all of them). */
  boolean handles(IQ iq) {
    return iq.getTo().toString().equals(domain)
        && (DiscoverInfo.NAMESPACE.equals(iq.getChildElementNamespace())
            || DiscoverItems.NAMESPACE.equals(iq.getChildElementNamespace())
            || RoomDirectory.SEARCH_NS.equals(iq.getChildElementNamespace()));
  }

  void answer(IQ iq, boolean toGatewayRoom) {
    if (MamQuery.isMamQuery(iq)) {
      answerMam(iq);
      return;
    }
    if (PING_NS.equals(iq.getChildElementNamespace()) && iq.getType() == IQ.Type.get && toGatewayRoom) {
      answerPing(iq);
      return;
    }
    if (RoomDirectory.SEARCH_NS.equals(iq.getChildElementNamespace()) && iq.getTo().toString().equals(domain)) {
      directory.answerSearch(iq, connection::send);
      return;
    }
    if (iq.getType() != IQ.Type.get) {
      if (iq.getType() == IQ.Type.set) {
        connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.feature_not_implemented));
      }
      return;
    }
    if (iq instanceof DiscoverInfo info && info.getNode() == null) {
      if (iq.getTo().toString().equals(domain)) {
        connection.send(componentInfo(info));
        return;
      }
      EntityBareJid roomJid = iq.getTo().asEntityBareJidIfPossible();
      if (roomJid != null && iq.getTo().hasNoResource()) {
        rooms.room(roomJid).whenComplete((room, e) -> connection.send(room == null || room.isEmpty()
            ? IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found) : roomInfo(info, room.get())));
        return;
      }
    } else if (iq instanceof DiscoverItems items && items.getNode() == null) {
      answerItems(items);
      return;
    }
    connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found));
  }

  private void answerItems(DiscoverItems items) {
    DiscoverItems answer = new DiscoverItems();
    answer.setType(IQ.Type.result);
    answer.setStanzaId(items.getStanzaId());
    answer.setTo(items.getFrom());
    answer.setFrom(items.getTo());
    if (!items.getTo().toString().equals(domain)) {
      connection.send(answer);
      return;
    }
    // The published room directory's rooms with an alias, then the rooms XMPP users are in now.
    directory.rooms(null).exceptionally(err -> {
      log.warn("Room directory for disco#items failed: {}", rootCause(err).toString());
      return List.of();
    }).thenAccept(listed -> {
      Set<EntityBareJid> seen = new HashSet<>();
      for (RoomDirectory.Entry e : listed) {
        if (seen.add(e.jid())) {
          DiscoverItems.Item item = new DiscoverItems.Item(e.jid());
          item.setName(e.name());
          answer.addItem(item);
        }
      }
      rooms.resolved().stream().filter(r -> !r.occupants.isEmpty()).filter(r -> seen.add(r.jid)).forEach(r -> {
        DiscoverItems.Item item = new DiscoverItems.Item(r.jid);
        item.setName(r.alias.value());
        answer.addItem(item);
      });
      connection.send(answer);
    });
  }

  /**
   * XEP-0199 ping to a gateway room or one of its occupants. An occupant's XEP-0410 self-ping (to its own occupant
   * JID) gets a result; from a JID that is not in the room, {@code not-acceptable}, which tells its client to join
   * again; an occupant pinging another nick gets a result too (the room answers for Matrix members). Answered in the
   * room's order, so after the presences that came before it.
   */
  private void answerPing(IQ iq) {
    EntityBareJid roomJid = iq.getTo().asEntityBareJidIfPossible();
    if (roomJid == null || iq.getTo().hasNoResource()) {
      connection.send(IQ.createResultIQ(iq));
      return;
    }
    rooms.room(roomJid).whenComplete((room, e) -> {
      if (e != null || room == null || room.isEmpty()) {
        connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found));
        return;
      }
      rooms.inOrder(room.get(), () -> {
        boolean in = iq.getFrom() instanceof FullJid from && room.get().occupants.containsKey(from);
        connection.send(in ? IQ.createResultIQ(iq)
            : IQ.createErrorResponse(iq, StanzaError.Condition.not_acceptable));
        return java.util.concurrent.CompletableFuture.completedFuture(null);
      });
    });
  }

  /** XEP-0313 on a gateway room: for its occupants, from the Matrix room's history. */
  private void answerMam(IQ iq) {
    EntityBareJid roomJid = iq.getTo().asEntityBareJidIfPossible();
    if (roomJid == null || !(iq.getFrom() instanceof FullJid from)) {
      connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.item_not_found));
      return;
    }
    rooms.room(roomJid).thenAccept(room -> {
      GatewayRoom.Occupant o = room.map(r -> r.occupants.get(from)).orElse(null);
      if (o == null) {
        connection.send(IQ.createErrorResponse(iq, room.isEmpty() ? StanzaError.Condition.item_not_found
            : StanzaError.Condition.forbidden));
        return;
      }
      rooms.inOrder(room.get(), () -> archive.answer(iq, room.get(), context.intents().ghost(o.ghost))
          .exceptionally(e -> {
            connection.send(IQ.createErrorResponse(iq, StanzaError.Condition.internal_server_error));
            return null;
          }));
    });
  }

  private static DiscoverInfo componentInfo(DiscoverInfo request) {
    return DiscoverInfo.builder(request.getStanzaId()).ofType(IQ.Type.result).to(request.getFrom())
        .from(request.getTo())
        .addIdentity(new DiscoverInfo.Identity("gateway", "Matrix", GatewayBridge.GATEWAY_IDENTITY_TYPE))
        .addIdentity(new DiscoverInfo.Identity("conference", "Matrix rooms", "text"))
        .addFeature(DiscoverInfo.NAMESPACE)
        .addFeature(DiscoverItems.NAMESPACE)
        .addFeature("http://jabber.org/protocol/muc")
        .addFeature("urn:xmpp:ping")
        .addFeature(RoomDirectory.SEARCH_NS)
        .addFeature(XHTMLExtension.NAMESPACE)
        .addFeature(Receipts.NAMESPACE)
        .build();
  }

  private static DiscoverInfo roomInfo(DiscoverInfo request, GatewayRoom room) {
    return DiscoverInfo.builder(request.getStanzaId()).ofType(IQ.Type.result).to(request.getFrom())
        .from(request.getTo())
        .addIdentity(new DiscoverInfo.Identity("conference", room.alias.value(), "text"))
        .addFeature(DiscoverInfo.NAMESPACE)
        .addFeature("http://jabber.org/protocol/muc")
        .addFeature("muc_public")
        .addFeature("muc_open")
        .addFeature("muc_persistent")
        .addFeature("muc_semianonymous")
        .addFeature(XHTMLExtension.NAMESPACE)
        .addFeature("muc_unmoderated")
        .addFeature("muc_unsecured")
        .addFeature("urn:xmpp:sid:0")
        .addFeature(MamQuery.NAMESPACE)
        .build();
  }
}
