/**
 * The bridge's side of the client-server API: {@link dev.switchboard.core.homeserver.HomeserverClient} (token,
 * identity assertion, retries), {@link dev.switchboard.core.homeserver.AppServiceIntents} (the bot and ghosts), the
 * durable {@link dev.switchboard.core.homeserver.OutboundQueue} of room writes, and the start-up
 * {@link dev.switchboard.core.homeserver.AppServicePing}.
 */
package dev.switchboard.core.homeserver;
