package dev.switchboard.core.event;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.id.EventId;

/**
 * An edit: an {@code m.room.message} with an {@code m.replace} relation.
 *
 * @param replaces the message it edits
 * @param newContent the message's new content ({@code m.new_content}; the event's own content when it has none)
 */
public record MatrixEdit(MatrixEvent event, EventId replaces, JsonNode newContent) {}
