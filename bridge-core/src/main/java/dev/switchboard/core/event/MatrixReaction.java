package dev.switchboard.core.event;

import dev.switchboard.core.id.EventId;

/** A reaction ({@code m.reaction} with an {@code m.annotation} relation) with {@code key} to {@code target}. */
public record MatrixReaction(MatrixEvent event, EventId target, String key) {}
