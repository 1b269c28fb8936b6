package dev.switchboard.xmpp.gateway;

import static dev.switchboard.core.failure.Failures.rootCause;

import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.id.RoomAlias;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.xmpp.address.GatewayJids;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jxmpp.jid.EntityBareJid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway rooms of this run by JID, each resolved from its alias on first use, and the lane that runs one room's
 * work (joins, messages, Matrix events) strictly in arrival order.
 */
final class GatewayRooms {
  private static final Logger log = LoggerFactory.getLogger(GatewayRooms.class);

  private final Intent bot;
  private final GatewayJids jids;
  private final Predicate<RoomAlias> served;
  /** One lane per room: joins, messages and Matrix events of a room run one after another. */
  private final KeyedSerialExecutor<GatewayRoom> lanes;
  /** Rooms by gateway JID; a future while the alias is being resolved. */
  private final Map<EntityBareJid, CompletableFuture<Optional<GatewayRoom>>> rooms = new ConcurrentHashMap<>();

  /** @param served whether an alias is one XMPP users may enter at all */
  GatewayRooms(Intent bot, GatewayJids jids, Predicate<RoomAlias> served, Executor blocking) {
    this.bot = bot;
    this.jids = jids;
    this.served = served;
    this.lanes = new KeyedSerialExecutor<>(blocking, "XMPP gateway room");
  }

  /** The gateway room for a JID, resolving its alias on first use; empty when no room has that alias. */
  CompletableFuture<Optional<GatewayRoom>> room(EntityBareJid jid) {
    Optional<RoomAlias> alias = jids.aliasOf(jid);
    if (alias.isEmpty() || !served.test(alias.get())) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    CompletableFuture<Optional<GatewayRoom>> f = rooms.computeIfAbsent(jid, j -> bot.resolveAlias(alias.get())
        .thenApply(room -> room.map(id -> new GatewayRoom(jid, alias.get(), id))));
    return f.whenComplete((r, e) -> {
      if (e != null || r.isEmpty()) {
        rooms.remove(jid, f); // ask again next time: the alias may be created later
      }
    });
  }

  /** A room being restored at start; forgotten again if that finds no room, so the next stanza resolves it. */
  void restoring(EntityBareJid jid, CompletableFuture<Optional<GatewayRoom>> room) {
    rooms.put(jid, room);
    room.thenAccept(r -> {
      if (r.isEmpty()) {
        rooms.remove(jid, room); // resolved afresh on the next stanza
      }
    });
  }

  /** The rooms resolved so far. */
  List<GatewayRoom> resolved() {
    return rooms.values().stream().map(f -> f.getNow(Optional.empty())).flatMap(Optional::stream).toList();
  }

  /** Runs one room's work strictly in arrival order, off the protocol thread. */
  void inOrder(GatewayRoom room, Supplier<CompletableFuture<?>> work) {
    inOrderResult(room, () -> work.get().thenApply(r -> null));
  }

  /** {@link #inOrder}, and the caller hears how this step ended (the lane itself goes on either way). */
  CompletableFuture<Void> inOrderResult(GatewayRoom room, Supplier<CompletableFuture<Void>> work) {
    CompletableFuture<Void> result = lanes.submit(room, work);
    result.whenComplete((r, e) -> {
      if (e != null && !(rootCause(e) instanceof java.util.concurrent.RejectedExecutionException)) {
        log.warn("Gateway room {} ({}): {}", room.alias, room.roomId, rootCause(e).toString());
      }
    });
    return result;
  }
}
