package dev.switchboard.app;

import dev.switchboard.core.command.Command;
import dev.switchboard.core.command.CommandRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code !commands} the docs mention, held against the bridge's command registry both ways: each mention names
 * a command (core's {@code !name}, or {@code !<protocol> name}) and its arguments fit that command's syntax, and
 * each command of the registry is mentioned somewhere. A mention may name a command without arguments
 * ({@code !irc join}), a namespace alone or with {@code help}, a namespace with a placeholder
 * ({@code !irc <command>}), or the grammar ({@code !<protocol> <command>}); {@code !<protocol> link} names a
 * command, so some connector must have it.
 */
final class DocumentedCommands {
  /** Commands of other software the docs quote, by first word: not ours to check. */
  static final Map<String, String> FOREIGN = Map.of("admin", "Conduit's admin room commands (install.md)");

  private static final Pattern FENCE = Pattern.compile("(?ms)^\\s*```.*?^\\s*```[^\\n]*$");
  private static final Pattern INLINE = Pattern.compile("(?s)(`+)(.+?)\\1");
  private static final Pattern COMMAND_LINE = Pattern.compile("(?m)^\\s*(![a-z<].*)$");
  private static final Pattern TOKEN = Pattern.compile("<[^>]*>|\\[[^]]*]|\\S+");

  /** A mention: where it is and its text, from the {@code !} on. */
  record Mention(String where, String text) {}

  private DocumentedCommands() {}

  /** The command mentions of one Markdown text: inline code that starts with {@code !}, and such lines in fences. */
  static List<Mention> mentions(String where, String markdown) {
    List<Mention> out = new ArrayList<>();
    Matcher fence = FENCE.matcher(markdown);
    while (fence.find()) {
      Matcher line = COMMAND_LINE.matcher(fence.group());
      while (line.find()) {
        out.add(new Mention(where, line.group(1).trim()));
      }
    }
    Matcher inline = INLINE.matcher(FENCE.matcher(markdown).replaceAll(""));
    while (inline.find()) {
      String code = inline.group(2).strip().replaceAll("\\s+", " ");
      if (code.matches("![a-z<].*")) {
        out.add(new Mention(where, code));
      }
    }
    return out;
  }

  /** What does not match: mentions of no command or with arguments its syntax refuses, and unmentioned commands. */
  static List<String> problems(List<Mention> mentions, List<CommandRegistry.Entry> commands) {
    Map<String, Map<String, Command>> byNamespace = new HashMap<>();
    commands.forEach(e -> byNamespace.computeIfAbsent(e.namespace(), k -> new HashMap<>())
        .put(e.command().name(), e.command()));
    Map<String, Command> core = byNamespace.getOrDefault(CommandRegistry.CORE, Map.of());
    List<String> problems = new ArrayList<>();
    Set<String> mentioned = new LinkedHashSet<>();
    for (Mention mention : mentions) {
      List<String> words = tokens(mention.text().substring(1));
      String first = words.get(0);
      List<String> rest = words.subList(1, words.size());
      if (FOREIGN.containsKey(first)) {
        continue;
      }
      if (placeholder(first)) {
        // The grammar, e.g. `!<protocol> <command>`: fine unless it names a command no connector has.
        if (!rest.isEmpty() && !placeholder(rest.get(0)) && !rest.get(0).equals("help")
            && byNamespace.entrySet().stream().noneMatch(e -> !e.getKey().isEmpty()
                && e.getValue().containsKey(rest.get(0)))) {
          problems.add(mention.where() + ": `" + mention.text() + "`: no connector has a command " + rest.get(0)
              + (core.containsKey(rest.get(0)) ? " (it is core's `!" + rest.get(0) + "`)" : ""));
        }
        continue;
      }
      String namespace;
      Command command;
      List<String> args;
      if (core.containsKey(first)) {
        namespace = CommandRegistry.CORE;
        command = core.get(first);
        args = rest;
      } else if (!first.isEmpty() && byNamespace.containsKey(first)) {
        if (rest.isEmpty() || rest.equals(List.of("help")) || placeholder(rest.get(0))) {
          continue; // the namespace, its help, or "any of its commands"
        }
        namespace = first;
        command = byNamespace.get(first).get(rest.get(0));
        args = rest.subList(1, rest.size());
        if (command == null) {
          problems.add(mention.where() + ": `" + mention.text() + "`: " + first + " has no command " + rest.get(0)
              + " (it has " + new TreeSet<>(byNamespace.get(first).keySet()) + ")");
          continue;
        }
      } else {
        Set<String> namespaces = new TreeSet<>(byNamespace.keySet());
        namespaces.remove(CommandRegistry.CORE);
        problems.add(mention.where() + ": `" + mention.text() + "` names no command (core's are "
            + new TreeSet<>(core.keySet()) + ", namespaces " + namespaces + ")");
        continue;
      }
      mentioned.add(invocationKey(namespace, command));
      List<String> required = args.stream().filter(a -> !a.startsWith("[")).toList();
      if (!args.isEmpty() && (command.syntax().bind(required).isEmpty() || command.syntax().bind(args).isEmpty())) {
        problems.add(mention.where() + ": `" + mention.text() + "` does not fit `"
            + new CommandRegistry.Entry(namespace, command).invocation() + "`");
      }
    }
    for (CommandRegistry.Entry entry : commands) {
      if (!mentioned.contains(invocationKey(entry.namespace(), entry.command()))) {
        problems.add("`" + entry.invocation() + "` is not documented (no docs page mentions it)");
      }
    }
    return problems;
  }

  private static String invocationKey(String namespace, Command command) {
    return namespace + " " + command.name();
  }

  /** Words, with {@code <a b>} and {@code [a b]} one word each. */
  private static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = TOKEN.matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static boolean placeholder(String word) {
    return word.startsWith("<") || word.equals("...");
  }
}
