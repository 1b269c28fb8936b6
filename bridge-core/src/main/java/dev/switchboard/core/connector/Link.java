package dev.switchboard.core.connector;

import dev.switchboard.core.id.RoomId;

/**
 * One (Matrix room, connector, remote room) triple. A room may carry several links.
 *
 * @param remoteId the connector's name for the remote room, e.g. {@code libera/#java}
 * @param plumbed true when an admin linked an existing room; the bridge then never deletes or renames it
 */
public record Link(RoomId roomId, String protocol, String remoteId, boolean plumbed) {}
