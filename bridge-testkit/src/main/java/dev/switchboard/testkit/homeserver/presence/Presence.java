package dev.switchboard.testkit.homeserver.presence;

/**
 * One user's presence as last set through {@code PUT /presence/{userId}/status}.
 *
 * @param presence {@code online}, {@code unavailable} or {@code offline}
 * @param statusMsg the status message, or {@code null} when the last update had none
 * @param lastActiveTs when it was set, in ms since the epoch (the homeserver's clock)
 */
public record Presence(String presence, String statusMsg, long lastActiveTs) {}
