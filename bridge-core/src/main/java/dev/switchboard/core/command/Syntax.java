package dev.switchboard.core.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command's argument syntax as shown in help, e.g. {@code <channel> [key]} or {@code <nick> <message...>}:
 * {@code <x>} is required, {@code [x]} optional (only after the required ones), and a last {@code ...} takes the
 * rest of the words.
 */
public final class Syntax {
  private static final Pattern PARAM = Pattern.compile("(<([a-z0-9_-]+)(\\.\\.\\.)?>|\\[([a-z0-9_-]+)(\\.\\.\\.)?])");

  private record Param(String name, boolean required, boolean rest) {}

  private final String text;
  private final List<Param> params;

  private Syntax(String text, List<Param> params) {
    this.text = text;
    this.params = params;
  }

  /** @throws IllegalArgumentException when {@code text} does not follow the grammar (a connector's bug) */
  public static Syntax of(String text) {
    List<Param> params = new ArrayList<>();
    String trimmed = text.trim();
    if (!trimmed.isEmpty()) {
      for (String part : trimmed.split("\\s+")) {
        Matcher m = PARAM.matcher(part);
        if (!m.matches()) {
          throw new IllegalArgumentException("bad argument syntax '" + part + "' in '" + text
              + "' (expected <name>, [name], <name...> or [name...])");
        }
        boolean required = m.group(2) != null;
        String name = required ? m.group(2) : m.group(4);
        boolean rest = (required ? m.group(3) : m.group(5)) != null;
        if (!params.isEmpty() && params.get(params.size() - 1).rest()) {
          throw new IllegalArgumentException("only the last argument may take the rest, in '" + text + "'");
        }
        if (required && !params.isEmpty() && !params.get(params.size() - 1).required()) {
          throw new IllegalArgumentException("a required argument follows an optional one in '" + text + "'");
        }
        if (params.stream().anyMatch(p -> p.name().equals(name))) {
          throw new IllegalArgumentException("argument '" + name + "' appears twice in '" + text + "'");
        }
        params.add(new Param(name, required, rest));
      }
    }
    return new Syntax(trimmed, List.copyOf(params));
  }

  /**
   * Whether the argument {@code name} carries a secret (its name contains {@code password} or {@code secret}): such
   * arguments are removed from the message before it is stored (see {@link CommandDispatcher#withoutSecrets}).
   */
  public static boolean isSecret(String name) {
    return name.contains("password") || name.contains("secret");
  }

  /** Whether any argument carries a secret. */
  public boolean hasSecrets() {
    return params.stream().anyMatch(p -> isSecret(p.name()));
  }

  public static Syntax none() {
    return of("");
  }

  /**
   * Binds words to names; empty when their number does not fit. A rest argument joins its words with one space.
   */
  public Optional<Map<String, String>> bind(List<String> words) {
    long required = params.stream().filter(Param::required).count();
    boolean hasRest = !params.isEmpty() && params.get(params.size() - 1).rest();
    if (words.size() < required || (!hasRest && words.size() > params.size())) {
      return Optional.empty();
    }
    Map<String, String> bound = new LinkedHashMap<>();
    for (int i = 0; i < params.size() && i < words.size(); i++) {
      Param p = params.get(i);
      bound.put(p.name(), p.rest() ? String.join(" ", words.subList(i, words.size())) : words.get(i));
    }
    return Optional.of(bound);
  }

  @Override
  public String toString() {
    return text;
  }
}
