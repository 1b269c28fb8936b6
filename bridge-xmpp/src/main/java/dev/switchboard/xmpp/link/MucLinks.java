package dev.switchboard.xmpp.link;

import dev.switchboard.core.connector.ConnectorContext;
import dev.switchboard.core.connector.Link;
import dev.switchboard.core.connector.LinkCapable.LinkException;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.portal.BridgeInfo;
import dev.switchboard.xmpp.XmppBridgeInfo;
import dev.switchboard.xmpp.muc.MucBridge;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Plumbing: links an existing Matrix room to a MUC ({@code !link}, provisioning) and undoes it. */
public final class MucLinks {
  private static final Logger log = LoggerFactory.getLogger(MucLinks.class);
  private static final String PROTOCOL = "xmpp";

  private final ConnectorContext context;
  private final MucBridge mucs;
  private final String componentDomain;

  public MucLinks(ConnectorContext context, MucBridge mucs, String componentDomain) {
    this.context = context;
    this.mucs = mucs;
    this.componentDomain = componentDomain;
  }

  /** {@code dev@conference.example.org} (also as an {@code xmpp:...?join} URI) in its canonical form. */
  public String normalise(String remoteRoom) throws LinkException {
    String text = remoteRoom == null ? "" : remoteRoom.strip();
    if (text.startsWith("xmpp:")) {
      text = text.substring(5);
    }
    int query = text.indexOf('?');
    if (query >= 0) {
      text = text.substring(0, query);
    }
    EntityBareJid muc;
    try {
      muc = JidCreate.entityBareFrom(text);
    } catch (XmppStringprepException | IllegalArgumentException e) {
      throw new LinkException("M_INVALID_PARAM", "'" + remoteRoom + "' is not a MUC address like "
          + "room@conference.example.org");
    }
    if (muc.getDomain().toString().equals(componentDomain)) {
      throw new LinkException("M_INVALID_PARAM", muc + " is on the bridge's own domain, not a MUC");
    }
    return muc.toString();
  }

  public CompletableFuture<Link> link(RoomId room, String remoteRoom, UserId requester) {
    EntityBareJid muc;
    try {
      muc = JidCreate.entityBareFrom(normalise(remoteRoom));
    } catch (LinkException e) {
      return CompletableFuture.failedFuture(e);
    } catch (XmppStringprepException e) {
      return CompletableFuture.failedFuture(new LinkException("M_INVALID_PARAM", e.getMessage()));
    }
    Link link = new Link(room, PROTOCOL, muc.toString(), true);
    return CompletableFuture.supplyAsync(() -> context.portals().linkOfRemote(PROTOCOL, muc.toString()),
            context.blockingExecutor())
        .thenCompose(existing -> {
          if (existing.isPresent()) {
            throw new CompletionException(new LinkException("M_ROOM_IN_USE", muc + " is already linked to "
                + existing.get().roomId()));
          }
          // The bot keeps power levels and invites ghosts into invite-only rooms, so it belongs in the room.
          return context.intents().bot().ensureJoined(room).handle((v, e) -> {
            if (e != null) {
              log.info("The bot could not join {} to link it (ghosts join only if the room lets them): {}", room,
                  e.getMessage());
            }
            return null;
          }).thenCompose(v -> mucs.whyNotAMuc(muc));
        })
        .thenApplyAsync(why -> {
          if (why.isPresent()) {
            throw new CompletionException(new LinkException("M_NOT_FOUND", muc + " is not a MUC: " + why.get()));
          }
          if (context.portals().portal(room).isEmpty()) {
            context.portals().createPlumbedRoom(room, List.of(link));
          } else if (!context.portals().addLink(link)) {
            throw new CompletionException(new LinkException("M_ROOM_IN_USE", room + " is already linked to " + muc));
          }
          mucs.startBridging(room, muc);
          log.info("{} linked {} to MUC {}", requester, room, muc);
          return link;
        }, context.blockingExecutor())
        // Clients show "bridged to" from it; the bot writes it where the room's admins gave it the power to.
        .thenCompose(linked -> bridgeInfo(muc).writeIfPermitted(context.intents().bot(), room).thenApply(v -> linked));
  }

  public CompletableFuture<Void> unlink(Link link) {
    EntityBareJid muc;
    try {
      muc = JidCreate.entityBareFrom(link.remoteId());
    } catch (XmppStringprepException e) {
      return CompletableFuture.runAsync(() -> context.portals().removeLink(link), context.blockingExecutor());
    }
    return CompletableFuture.runAsync(() -> context.portals().removeLink(link), context.blockingExecutor())
        .thenCompose(v -> mucs.stopBridging(muc))
        .thenCompose(v -> bridgeInfo(muc).clear(context.intents().bot(), link.roomId()))
        .thenRun(() -> log.info("Unlinked {} from MUC {}", link.roomId(), muc));
  }

  private BridgeInfo bridgeInfo(EntityBareJid muc) {
    return XmppBridgeInfo.muc(context.intents().bot().userId(), muc, muc.toString());
  }
}
