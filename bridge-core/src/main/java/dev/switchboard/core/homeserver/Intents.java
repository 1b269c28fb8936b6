package dev.switchboard.core.homeserver;

import dev.switchboard.core.id.UserId;

/** Hands out intents for the bot and for ghosts. */
public interface Intents {
  Intent bot();

  /** An intent for a ghost; the id must lie in a registered user namespace. */
  Intent ghost(UserId ghost);
}
