package dev.switchboard.core.command;

import java.util.List;

/**
 * A connector that adds admin commands, called as {@code !<protocol> <name>}. Asked once, after
 * {@code start(...)}.
 */
public interface CommandCapable {
  List<Command> commands();
}
