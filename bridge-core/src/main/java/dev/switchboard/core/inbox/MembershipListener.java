package dev.switchboard.core.inbox;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;

/** Told of every membership change the homeserver pushes, e.g. so intents know a ghost was kicked. */
@FunctionalInterface
public interface MembershipListener {
  MembershipListener NONE = (room, user, membership) -> {};

  void membershipChanged(RoomId room, UserId user, String membership);
}
