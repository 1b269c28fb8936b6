package dev.switchboard.core.event;

import dev.switchboard.core.id.UserId;
import java.util.Optional;

/**
 * An {@code m.room.member} event: {@code subject}'s membership is now {@code membership} ({@code join},
 * {@code leave}, {@code invite}, {@code ban}, {@code knock}); the sender made the change (a kick when they differ).
 */
public record MembershipChange(MatrixEvent event, UserId subject, String membership) {

  /** The membership before, as the homeserver reports it in {@code unsigned.prev_content}. */
  public Optional<String> previous() {
    return Optional.ofNullable(event.raw().path("unsigned").path("prev_content").path("membership").textValue());
  }

  /** Whether someone else changed the subject's membership (a kick, ban, unban or invite). */
  public boolean byOther() {
    return !subject.equals(event.sender());
  }
}
