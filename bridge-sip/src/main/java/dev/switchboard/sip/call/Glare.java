package dev.switchboard.sip.call;

import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import java.util.Optional;

/**
 * Glare: a Matrix user calls a number while that number's phone calls the user, so two unanswered invites cross in
 * their DM room. The Matrix spec (VoIP, "Glare") settles it by comparing the two calls' {@code call_id}s
 * lexicographically: the lesser call goes on, the greater is aborted. The bridge, speaking for the ghost, applies
 * the same rule, so it and a Matrix client that follows the spec keep the same call.
 */
public final class Glare {
  private Glare() {
  }

  /** True when the call with id {@code callId} is kept against the crossing call {@code other}. */
  public static boolean keeps(String callId, String other) {
    return callId.compareTo(other) < 0;
  }

  /** One side's calls, as the other side sees them when it looks for a crossing call. */
  public interface Side {
    /** The {@code call_id} of a call between {@code user} and {@code ghost} in {@code room} not answered yet. */
    Optional<String> unanswered(RoomId room, UserId user, UserId ghost);

    /** Aborts that call: it lost to a crossing call with a lesser id. Does nothing once it was answered or ended. */
    void abort(RoomId room, String callId);
  }
}
