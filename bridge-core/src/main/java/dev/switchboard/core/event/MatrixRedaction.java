package dev.switchboard.core.event;

import dev.switchboard.core.id.EventId;

/** A redaction of {@code redacts}: a deleted message, or a reaction taken back. */
public record MatrixRedaction(MatrixEvent event, EventId redacts) {}
