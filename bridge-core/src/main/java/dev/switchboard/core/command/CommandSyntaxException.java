package dev.switchboard.core.command;

/** A command the parser cannot read (an unclosed quote, a control character, too long); the message says why. */
public final class CommandSyntaxException extends Exception {
  public CommandSyntaxException(String message) {
    super(message);
  }
}
