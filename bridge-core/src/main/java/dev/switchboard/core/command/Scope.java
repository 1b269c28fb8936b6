package dev.switchboard.core.command;

/** Where a command may be used. */
public enum Scope {
  /** A direct chat with the bot. */
  ADMIN_ROOM,
  /** A room with links, as {@code !<protocol> <command>}. */
  BRIDGED_ROOM
}
