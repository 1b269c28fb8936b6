package dev.switchboard.core.notice;

import dev.switchboard.core.homeserver.Intent;
import dev.switchboard.core.homeserver.Intents;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.inbox.MembershipListener;
import dev.switchboard.core.ordering.KeyedSerialExecutor;
import dev.switchboard.core.store.GhostStore;
import dev.switchboard.core.store.Membership;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who of ours speaks in a room when the bridge has something to say there: the bot, which joins if it is not a member
 * yet (as it always did); and where it cannot (a DM between a Matrix user and a ghost is private, and the bot was
 * never invited), the one ghost of ours in the room, which is the DM's other party. A ghost never speaks for the
 * bridge in a room with more than one of ours: there it stands for a remote person, and the notice would read as
 * theirs. Memberships of our users (bot and ghosts) are learnt from the inbox's member events and kept in
 * {@code membership_cache}, so that the answer survives a restart; a DM the bridge knows nothing of (its ghost joined
 * before this was kept) gets no notice, as before.
 */
public final class RoomVoice implements MembershipListener {
  private static final Logger log = LoggerFactory.getLogger(RoomVoice.class);

  private final GhostStore store;
  private final Intents intents;
  private final UserId bot;
  private final Predicate<UserId> ours;
  /** By room, so a lookup sees every membership noted before it, and a join and a leave commit in order. */
  private final KeyedSerialExecutor<RoomId> rooms;

  /**
   * @param ours the bot and every user of the registration's namespaces
   * @param blocking where the store is read and written
   */
  public RoomVoice(GhostStore store, Intents intents, UserId bot, Predicate<UserId> ours, Executor blocking) {
    this.store = store;
    this.intents = intents;
    this.bot = bot;
    this.ours = ours;
    this.rooms = new KeyedSerialExecutor<>(blocking, "room voice");
  }

  @Override
  public void membershipChanged(RoomId room, UserId user, String membership) {
    if (!user.equals(bot) && !ours.test(user)) {
      return;
    }
    Membership parsed;
    try {
      parsed = Membership.fromWire(membership);
    } catch (IllegalArgumentException e) {
      return;
    }
    rooms.submit(room, () -> {
      try {
        store.setMembership(room, user, parsed);
      } catch (RuntimeException e) {
        log.debug("Could not remember that {} is {} in {}: {}", user, membership, room, e.toString());
      }
      return CompletableFuture.completedFuture(null);
    });
  }

  /** The intent that speaks in {@code room}: the bot once it is joined, else a DM's ghost; fails when neither. */
  public CompletableFuture<Intent> in(RoomId room) {
    Intent botIntent = intents.bot();
    return botIntent.ensureJoined(room).thenApply(joined -> botIntent).exceptionallyCompose(botCannot ->
        rooms.submit(room, () -> {
          List<UserId> ghosts;
          try {
            ghosts = store.joined(room).stream().filter(user -> !user.equals(bot)).toList();
          } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
          }
          return ghosts.size() == 1 ? CompletableFuture.completedFuture(intents.ghost(ghosts.get(0)))
              : CompletableFuture.<Intent>failedFuture(botCannot);
        }));
  }
}
