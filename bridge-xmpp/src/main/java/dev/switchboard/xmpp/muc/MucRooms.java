package dev.switchboard.xmpp.muc;

import static dev.switchboard.core.failure.Failures.rootCause;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.xmpp.address.MatrixUserJids;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.FullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridged MUCs of this run by JID, and the addresses the bridge speaks from in them: the listener's and each
 * Matrix user's. Shared by the classes that move one MUC's traffic each way, so they all see the same room state.
 */
final class MucRooms {
  private static final Logger log = LoggerFactory.getLogger(MucRooms.class);

  private final Map<EntityBareJid, MucRoom> byMuc = new ConcurrentHashMap<>();
  private final String listenerNick;
  private final FullJid listenerJid;
  private final MatrixUserJids userJids;
  /** XMPP → Matrix work, one lane per room; a step ends once its homeserver writes are queued. */
  private final KeyedSerialExecutor<MucRoom> lanes;

  MucRooms(String domain, String listenerNick, Executor blocking) {
    this.listenerNick = listenerNick;
    this.userJids = new MatrixUserJids(domain);
    this.lanes = new KeyedSerialExecutor<>(blocking, "XMPP -> Matrix MUC");
    try {
      // '_bridge' has no escaped ':' so it can never be a Matrix user's address.
      this.listenerJid = JidCreate.fullFrom("_bridge@" + domain + "/listener");
    } catch (XmppStringprepException e) {
      throw new IllegalArgumentException("bad component domain " + domain, e);
    }
  }

  /** The room of a MUC link, created on first use; empty when the link's remote id is not a MUC address. */
  Optional<MucRoom> of(Link link) {
    try {
      EntityBareJid muc = JidCreate.entityBareFrom(link.remoteId());
      return Optional.of(byMuc.computeIfAbsent(muc, m -> new MucRoom(m, link.roomId(), listenerNick)));
    } catch (XmppStringprepException e) {
      return Optional.empty();
    }
  }

  /** The room of a bridged MUC; null when it is not bridged. */
  MucRoom get(EntityBareJid muc) {
    return byMuc.get(muc);
  }

  /** Starts afresh the state of {@code muc}, bridged into {@code room}. */
  MucRoom put(EntityBareJid muc, RoomId room) {
    MucRoom state = new MucRoom(muc, room, listenerNick);
    byMuc.put(muc, state);
    return state;
  }

  MucRoom remove(EntityBareJid muc) {
    return byMuc.remove(muc);
  }

  Collection<MucRoom> all() {
    return byMuc.values();
  }

  java.util.Set<EntityBareJid> mucs() {
    return byMuc.keySet();
  }

  /** The nick the listener asks for first (conflicts add a suffix). */
  String listenerNick() {
    return listenerNick;
  }

  FullJid listenerJid() {
    return listenerJid;
  }

  /** The address a Matrix user's occupant speaks from. */
  FullJid fullJidOf(UserId user) {
    try {
      return JidCreate.fullFrom(userJids.jidOf(user) + "/matrix");
    } catch (XmppStringprepException e) {
      throw new IllegalArgumentException("no JID for " + user, e);
    }
  }

  /** The Matrix user a stanza to one of our occupants is for. */
  Optional<UserId> userOf(org.jxmpp.jid.Jid to) {
    return userJids.userOf(to);
  }

  /** Runs XMPP → Matrix work for one room strictly in arrival order, off the protocol thread. */
  void inOrder(MucRoom room, Supplier<CompletableFuture<?>> work) {
    lanes.<Object>submit(room, () -> work.get().thenApply(r -> r)).whenComplete((r, e) -> {
      if (e != null && !(rootCause(e) instanceof java.util.concurrent.RejectedExecutionException)) {
        log.warn("XMPP -> Matrix in {} ({}) failed: {}", room.roomId, room.muc, rootCause(e).toString());
      }
    });
  }
}
