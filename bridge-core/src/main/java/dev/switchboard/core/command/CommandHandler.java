package dev.switchboard.core.command;

import java.util.concurrent.CompletableFuture;

/**
 * Runs one command. The future's text is the reply (blank for none). Fail with {@link IllegalArgumentException}
 * for a user error: its message is shown as is. Anything else is logged and the user told the command failed.
 */
@FunctionalInterface
public interface CommandHandler {
  CompletableFuture<String> run(CommandCall call);
}
