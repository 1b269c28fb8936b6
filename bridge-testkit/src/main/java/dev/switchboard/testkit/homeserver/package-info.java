/**
 * A homeserver for integration tests. Start with {@link dev.switchboard.testkit.homeserver.TestHomeserver};
 * subpackages (rooms, membership, aliases, profile, media, appservice, accounts, state, http) are its insides, not
 * API.
 */
package dev.switchboard.testkit.homeserver;
