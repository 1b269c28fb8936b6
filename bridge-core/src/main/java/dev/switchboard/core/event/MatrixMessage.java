package dev.switchboard.core.event;

import dev.switchboard.core.id.EventId;
import java.util.Optional;

/**
 * A message someone posted ({@code m.room.message} or {@code m.sticker}) that is not an edit.
 *
 * @param replyTo the event it answers ({@code m.in_reply_to}), if any
 */
public record MatrixMessage(MatrixEvent event, Optional<EventId> replyTo) {}
