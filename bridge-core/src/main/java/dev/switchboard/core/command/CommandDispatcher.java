package dev.switchboard.core.command;

import dev.switchboard.core.connector.Link;
import dev.switchboard.core.id.EventId;
import dev.switchboard.core.id.RoomId;
import dev.switchboard.core.id.UserId;
import dev.switchboard.core.permission.Level;
import dev.switchboard.core.permission.Permissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses a command message, checks the sender's level and the command's arguments, runs it and says what went
 * wrong in words a user understands. Knows nothing of Matrix sending: the caller posts the reply.
 *
 * <p>In an admin room the {@code !} is optional and core's commands need no namespace ({@code !help}); connectors'
 * commands are {@code !<protocol> <name>} everywhere. In a bridged room only {@code !<protocol> ...} and core
 * commands made for bridged rooms ({@code !link}, {@code !unlink}) are commands.
 */
public final class CommandDispatcher {
  private static final Logger log = LoggerFactory.getLogger(CommandDispatcher.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** Echoed user input is cut to this length. */
  private static final int ECHO_MAX = 40;

  private final CommandRegistry registry;
  private final Permissions permissions;

  public CommandDispatcher(CommandRegistry registry, Permissions permissions) {
    this.registry = registry;
    this.permissions = permissions;
  }

  public CommandRegistry registry() {
    return registry;
  }

  /** Whether a message body in a bridged room is a command for us ({@code !<protocol>} first). */
  public boolean isBridgedRoomCommand(String body) {
    String b = body.stripLeading();
    if (!b.startsWith("!")) {
      return false;
    }
    int end = 1;
    while (end < b.length() && !Character.isWhitespace(b.charAt(end))) {
      end++;
    }
    String word = b.substring(1, end);
    return registry.isNamespace(word) || isBridgedRoomCoreCommand(word);
  }

  /** Core commands meant for bridged rooms ({@code !link}, {@code !unlink}) need no namespace there. */
  private boolean isBridgedRoomCoreCommand(String word) {
    return registry.find(CommandRegistry.CORE, word).map(c -> c.scopes().contains(Scope.BRIDGED_ROOM))
        .orElse(false);
  }

  /** What replaces a secret argument in the stored copy of a command. */
  public static final String SECRET_REMOVED = "[secret removed]";

  /**
   * {@code body} with the secret arguments of the command it invokes replaced by {@link #SECRET_REMOVED}, or empty
   * when it invokes no command with secret arguments (or none bound). The inbox stores this copy, so a password sent
   * with {@code !irc storepass} is never kept in clear beside its encrypted copy.
   */
  public Optional<String> withoutSecrets(String body) {
    String line = body.strip();
    if (!line.startsWith("!")) {
      return Optional.empty();
    }
    List<String> words;
    try {
      words = CommandParser.split(line.substring(1));
    } catch (CommandSyntaxException e) {
      return Optional.empty();
    }
    if (words.isEmpty()) {
      return Optional.empty();
    }
    int at = registry.isNamespace(words.get(0)) ? 1 : 0;
    String namespace = at == 1 ? words.get(0).toLowerCase(java.util.Locale.ROOT) : CommandRegistry.CORE;
    if (at >= words.size()) {
      return Optional.empty();
    }
    Optional<Command> command = registry.find(namespace, words.get(at));
    if (command.isEmpty() || !command.get().syntax().hasSecrets()) {
      return Optional.empty();
    }
    Optional<Map<String, String>> bound = command.get().syntax().bind(words.subList(at + 1, words.size()));
    if (bound.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder("!").append(String.join(" ", words.subList(0, at + 1)));
    for (Map.Entry<String, String> arg : bound.get().entrySet()) {
      out.append(' ').append(Syntax.isSecret(arg.getKey()) ? SECRET_REMOVED : quoted(arg.getValue()));
    }
    return Optional.of(out.toString());
  }

  private static String quoted(String word) {
    return word.isEmpty() || word.chars().anyMatch(c -> Character.isWhitespace(c) || c == '"' || c == '\\'
        || c == '\'') ? '"' + word.replace("\\", "\\\\").replace("\"", "\\\"") + '"' : word;
  }

  /** Runs the command in {@code body}; the future's text is the reply (blank for none). Never fails. */
  public CompletableFuture<String> run(String body, UserId sender, RoomId room, Scope scope, List<Link> links,
      EventId eventId) {
    Level level = permissions.levelOf(sender);
    if (level == Level.NONE) {
      return done("You are not allowed to use this bridge. Ask its admin to add you under 'permissions'.");
    }
    String line = body.strip();
    if (line.startsWith("!")) {
      line = line.substring(1);
    } else if (scope == Scope.BRIDGED_ROOM) {
      return done("");
    }
    List<String> words;
    try {
      words = CommandParser.split(line);
    } catch (CommandSyntaxException e) {
      return done("Cannot read that command: " + e.getMessage() + ".");
    }
    if (words.isEmpty()) {
      return done(scope == Scope.ADMIN_ROOM ? "Send !help for the commands you can use." : "");
    }
    String namespace = CommandRegistry.CORE;
    int at = 0;
    if (registry.isNamespace(words.get(0))) {
      namespace = words.get(0).toLowerCase(java.util.Locale.ROOT);
      at = 1;
    } else if (scope == Scope.BRIDGED_ROOM && !isBridgedRoomCoreCommand(words.get(0))) {
      return done("");
    }
    String name = at < words.size() ? words.get(at) : "help";
    List<String> args = words.subList(Math.min(words.size(), at + 1), words.size());
    String shown = "!" + (namespace.isEmpty() ? "" : namespace + " ") + echo(name);

    Optional<Command> found = registry.find(namespace, name);
    if (found.isEmpty()) {
      if (name.equalsIgnoreCase("help")) {
        return done(help(level, scope, Optional.of(namespace)));
      }
      return done("Unknown command " + shown + ". Send " + helpCommand(namespace, scope)
          + " for the commands you can use" + (scope == Scope.BRIDGED_ROOM ? " here." : "."));
    }
    Command command = found.get();
    if (!command.scopes().contains(scope)) {
      return done(shown + " can only be used " + (scope == Scope.ADMIN_ROOM
          ? "in a bridged room." : "in an admin room (a direct chat with the bridge bot)."));
    }
    if (!level.atLeast(command.level())) {
      return done("You are not allowed to use " + shown + ": it needs level " + command.level().configName()
          + ", you have " + level.configName() + ".");
    }
    Optional<Map<String, String>> bound = command.syntax().bind(args);
    if (bound.isEmpty()) {
      return done("Usage: " + new CommandRegistry.Entry(namespace, command).invocation());
    }
    CommandCall call = new CommandCall(sender, level, room, scope, links, eventId, bound.get());
    CompletableFuture<String> result;
    try {
      result = command.handler().run(call);
      if (result == null) {
        result = CompletableFuture.failedFuture(new NullPointerException("handler returned no future"));
      }
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    String ns = namespace;
    return result.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).handle((reply, error) -> {
      if (error == null) {
        return reply == null ? "" : reply;
      }
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (cause instanceof IllegalArgumentException) {
        return shown + ": " + cause.getMessage();
      }
      if (cause instanceof dev.switchboard.core.permission.PermissionDeniedException denied) {
        return "You are not allowed to do that: it needs level " + denied.required().configName() + ".";
      }
      if (cause instanceof TimeoutException) {
        log.warn("Command {} {} by {} in {} ({}) timed out", ns, command.name(), sender, room, eventId);
        return shown + " did not finish in " + TIMEOUT.toSeconds() + " s.";
      }
      log.warn("Command {} {} by {} in {} ({}) failed", ns, command.name(), sender, room, eventId, cause);
      return shown + " failed because of an internal error; the bridge log has the details.";
    });
  }

  /** The help text: one line per command the user may use here. */
  public String help(Level level, Scope scope, Optional<String> namespace) {
    List<CommandRegistry.Entry> usable = registry.usable(level, scope, namespace.filter(n -> !n.isEmpty()));
    if (usable.isEmpty()) {
      return "There are no commands you can use here.";
    }
    StringBuilder sb = new StringBuilder("Commands you can use here:");
    for (CommandRegistry.Entry e : usable) {
      sb.append('\n').append(e.invocation()).append(" — ").append(e.command().help());
    }
    return sb.toString();
  }

  private static String helpCommand(String namespace, Scope scope) {
    return scope == Scope.BRIDGED_ROOM || !namespace.isEmpty() ? "!" + namespace + " help" : "!help";
  }

  private static String echo(String word) {
    return word.codePointCount(0, word.length()) <= ECHO_MAX ? word
        : word.substring(0, word.offsetByCodePoints(0, ECHO_MAX)) + "…";
  }

  private static CompletableFuture<String> done(String reply) {
    return CompletableFuture.completedFuture(reply);
  }
}
