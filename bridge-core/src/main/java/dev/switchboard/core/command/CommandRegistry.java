package dev.switchboard.core.command;

import dev.switchboard.core.permission.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Every admin command, core's and each connector's, by namespace ({@link #CORE} or a protocol) and name. */
public final class CommandRegistry {
  /** The namespace of core's own commands ({@code !help}, {@code !status}, ...). */
  public static final String CORE = "";

  /** A command with its namespace. */
  public record Entry(String namespace, Command command) {
    /** How a user types it: {@code !help} or {@code !irc join <channel>}. */
    public String invocation() {
      return "!" + (namespace.isEmpty() ? "" : namespace + " ") + command.usage();
    }
  }

  private final Map<String, Map<String, Command>> byNamespace = new ConcurrentHashMap<>();

  /** @throws IllegalArgumentException when the name is taken in that namespace */
  public void register(String namespace, Command command) {
    String ns = namespace.toLowerCase(Locale.ROOT);
    Map<String, Command> commands = byNamespace.computeIfAbsent(ns, k -> new ConcurrentHashMap<>());
    if (commands.putIfAbsent(command.name(), command) != null) {
      throw new IllegalArgumentException("command " + (ns.isEmpty() ? "" : ns + " ") + command.name()
          + " is registered twice");
    }
  }

  public void registerAll(String namespace, List<Command> commands) {
    commands.forEach(c -> register(namespace, c));
  }

  public Optional<Command> find(String namespace, String name) {
    return Optional.ofNullable(byNamespace.getOrDefault(namespace.toLowerCase(Locale.ROOT), Map.of())
        .get(name.toLowerCase(Locale.ROOT)));
  }

  /** Whether {@code word} names a connector namespace (a protocol) with commands. */
  public boolean isNamespace(String word) {
    String ns = word.toLowerCase(Locale.ROOT);
    return !ns.isEmpty() && byNamespace.containsKey(ns);
  }

  /**
   * The commands a user of {@code level} may run in {@code scope}, sorted: core's first, then by protocol and name.
   * {@code namespace} empty means all namespaces.
   */
  public List<Entry> usable(Level level, Scope scope, Optional<String> namespace) {
    List<Entry> out = new ArrayList<>();
    byNamespace.forEach((ns, commands) -> {
      if (namespace.isPresent() && !namespace.get().equalsIgnoreCase(ns)) {
        return;
      }
      commands.values().stream()
          .filter(c -> level.atLeast(c.level()) && c.scopes().contains(scope))
          .forEach(c -> out.add(new Entry(ns, c)));
    });
    out.sort(Comparator.comparing(Entry::namespace).thenComparing(e -> e.command().name()));
    return out;
  }
}
