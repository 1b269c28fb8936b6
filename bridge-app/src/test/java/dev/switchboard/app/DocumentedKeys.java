package dev.switchboard.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The config keys the docs' key tables ({@code | key | default | meaning |}) name, held against the code: every
 * part of a dotted key ({@code trunk.register_expires_seconds}: {@code trunk}, {@code register_expires_seconds})
 * must be a string literal in the bridge's main sources, which is how every section reads its keys
 * ({@code section.integer("port", ...)}). Placeholders such as {@code <id>} are skipped. A loose check (a common
 * word like {@code port} is a literal somewhere anyway), but it catches a misspelt or made-up key.
 */
final class DocumentedKeys {
  private static final Pattern TABLE =
      Pattern.compile("(?m)^\\| key \\| default \\| meaning \\|\\n\\|[- |]+\\|\\n((?:\\|.*\\n?)*)");
  private static final Pattern FIRST_CELL = Pattern.compile("(?m)^\\|([^|]*)\\|");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");
  private static final Pattern LITERAL = Pattern.compile("\"([a-z][a-z0-9_]*)\"");

  private DocumentedKeys() {}

  /** Every key a key table of {@code markdown} names. */
  static List<String> keys(String markdown) {
    List<String> keys = new ArrayList<>();
    Matcher table = TABLE.matcher(markdown);
    while (table.find()) {
      Matcher cell = FIRST_CELL.matcher(table.group(1));
      while (cell.find()) {
        Matcher code = CODE.matcher(cell.group(1));
        while (code.find()) {
          keys.add(code.group(1));
        }
      }
    }
    return keys;
  }

  /** "page: key (part)" for each key part that is no string literal of the code. */
  static List<String> unknown(Map<String, String> pages, Set<String> literals) {
    List<String> problems = new ArrayList<>();
    pages.forEach((page, text) -> {
      for (String key : keys(text)) {
        for (String part : key.split("\\.")) {
          if (!part.isEmpty() && !part.startsWith("<") && !literals.contains(part)) {
            problems.add(page + ": " + key + " (" + part + " is read nowhere in the code)");
          }
        }
      }
    });
    return problems;
  }

  /** The lower-case string literals of every module's main Java sources. */
  static Set<String> literals(Path repository) throws IOException {
    Set<String> literals = new HashSet<>();
    try (Stream<Path> files = Files.walk(repository)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")
          && f.toString().contains("/src/main/java/")).toList()) {
        Matcher m = LITERAL.matcher(Files.readString(file));
        while (m.find()) {
          literals.add(m.group(1));
        }
      }
    }
    return literals;
  }
}
