package dev.switchboard.core.command;

import dev.switchboard.core.permission.Level;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An admin command: its name, argument syntax, one-line help, the level it needs and where it may be used.
 * Connectors' commands are called as {@code !<protocol> <name> ...}; core's as {@code !<name>} in admin rooms.
 */
public record Command(String name, Syntax syntax, String help, Level level, Set<Scope> scopes,
    CommandHandler handler) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

  public Command {
    Objects.requireNonNull(handler, "handler");
    name = name.toLowerCase(Locale.ROOT);
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("command name '" + name + "' must be a-z, 0-9 and '-', at most 32");
    }
    if (level == Level.NONE) {
      throw new IllegalArgumentException("command " + name + " needs a level of relay or above");
    }
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException("command " + name + " must be usable somewhere");
    }
    scopes = Set.copyOf(scopes);
  }

  /** A command usable in admin rooms and bridged rooms. */
  public static Command of(String name, String syntax, String help, Level level, CommandHandler handler) {
    return new Command(name, Syntax.of(syntax), help, level, EnumSet.allOf(Scope.class), handler);
  }

  public Command onlyIn(Scope first, Scope... more) {
    return new Command(name, syntax, help, level, EnumSet.of(first, more), handler);
  }

  /** {@code name <args>} as shown in help and usage lines. */
  public String usage() {
    return syntax.toString().isEmpty() ? name : name + " " + syntax;
  }
}
